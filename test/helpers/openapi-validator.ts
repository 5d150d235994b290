import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type OpenApiDocument = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

/** Validates real REST responses against the served OpenAPI document, with Ajv (JSON Schema 2020-12). */
export class OpenApiValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly templates: Array<{ template: string; pattern: RegExp }>;
  private readonly document: OpenApiDocument;

  constructor(document: unknown) {
    this.document = document as OpenApiDocument;
    addFormats(this.ajv);
    this.ajv.addSchema(this.document, 'openapi');
    this.templates = Object.keys(this.document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** Returns the problems with a response, or [] when it matches the documented schema. */
  problems(method: string, url: string, status: number, body: unknown): string[] {
    const path = url.split('?')[0]!;
    const template = this.templates.find((candidate) => candidate.pattern.test(path))?.template;
    if (!template) return [`${method} ${path}: not documented`];
    const operation = this.document.paths[template]?.[method.toLowerCase()];
    if (!operation?.responses[String(status)]) return [`${method} ${template} ${status}: status not documented`];
    const pointer = [
      'paths',
      template,
      method.toLowerCase(),
      'responses',
      String(status),
      'content',
      'application/json',
      'schema',
    ]
      .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    const validate = this.ajv.compile({ $ref: `openapi#/${pointer}` });
    return validate(body)
      ? []
      : (validate.errors ?? []).map(
          (error) => `${method} ${template} ${status}: ${error.instancePath} ${error.message}`,
        );
  }
}
