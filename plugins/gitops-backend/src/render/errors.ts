/**
 * The error every rendering failure becomes. Its message is written for the person who
 * owns the Application (what is wrong, in which file, what to change) and never holds
 * absolute paths of the render host; the controller shows it as a ComparisonError.
 */
export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}
