# One image for both services; docker-compose.yml picks the entry point.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY schema ./schema
# The web client is built here (Vite is a dev dependency) and served by the API at /.
RUN npx tsc -p tsconfig.build.json && npx vite build web --logLevel warn && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production BIND_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
# GraphiQL's example tabs are read from the client operations.
COPY schema ./schema
COPY package.json ./
USER node
EXPOSE 5000 8000
CMD ["node", "dist/api/main.js"]
