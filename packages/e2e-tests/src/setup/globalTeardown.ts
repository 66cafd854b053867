/** Stops the demo and everything it started. */
import { stopDemo } from './demo';

export default async function globalTeardown() {
  await stopDemo();
}
