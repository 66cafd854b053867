/** Starts the demo once for all browser tests. */
import { startDemo } from './demo';

export default async function globalSetup() {
  await startDemo();
}
