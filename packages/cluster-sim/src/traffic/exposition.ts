/** Prometheus text exposition format (version 0.0.4): metric families, labels, escaping. */

export type LabelSet = Record<string, string>;

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatLabels(labels: LabelSet): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
}

export class ExpositionWriter {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    this.lines.push(`# TYPE ${name} ${type}`);
  }

  sample(name: string, labels: LabelSet, value: number): void {
    this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
  }

  toString(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n` : '';
  }
}
