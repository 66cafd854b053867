/** Tests of manifest parsing: YAML 1.1 scalars, lists, errors with positions. */
import { parseJsonManifests, parseYamlManifests } from './parseManifests';

describe('parseYamlManifests', () => {
  it('reads scalars as Kubernetes (YAML 1.1) does and supports merge keys', () => {
    const [obj] = parseYamlManifests(
      `apiVersion: v1
kind: ConfigMap
metadata: {name: a}
defaults: &d {x: 1}
data:
  <<: *d
  a: yes
  b: "yes"
  c: 0755
  d: 2001-12-14t21:59:43.10-05:00
`,
      'f.yaml',
    );
    expect(obj.data).toEqual({
      x: 1,
      a: true,
      b: 'yes',
      c: 493,
      d: '2001-12-14t21:59:43.10-05:00',
    });
  });

  it('adds empty metadata and skips empty documents', () => {
    expect(
      parseYamlManifests(
        '---\n---\napiVersion: v1\nkind: Namespace\n---\n',
        'f.yaml',
      ),
    ).toEqual([{ apiVersion: 'v1', kind: 'Namespace', metadata: {} }]);
  });

  it('names the list item that is wrong', () => {
    expect(() =>
      parseYamlManifests(
        'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: A\n  - 3\n',
        'l.yaml',
      ),
    ).toThrow(
      'l.yaml: document 1, item 2 is a number, not a Kubernetes object',
    );
  });

  it('rejects duplicate keys with their position', () => {
    expect(() =>
      parseYamlManifests('apiVersion: v1\nkind: A\nkind: B\n', 'd.yaml'),
    ).toThrow(
      /^failed to parse d\.yaml: line 3, column 1: Map keys must be unique/,
    );
  });
});

describe('parseJsonManifests', () => {
  it('reports the line and column without echoing content', () => {
    expect(() =>
      parseJsonManifests(
        '{\n  "kind": "Secret",\n  "data": {"password": "hunter2" x}\n}',
        's.json',
      ),
    ).toThrow(/^failed to parse s\.json: line 3, column \d+: [^"]*$/);
  });
});
