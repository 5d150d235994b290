import { ensureFreshBuild } from './fresh-build';

/** The unit project's global set-up: no datastore, only a current dist/ (the client entry test loads it). */
export default function buildSetup(): void {
  ensureFreshBuild();
}
