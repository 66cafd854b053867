/**
 * Validation the real API server performs and users hit: object names per kind
 * (DNS-1123 subdomain/label, DNS-1035 for Services, path segments for RBAC, `<plural>.<group>`
 * for CRDs), label syntax, required fields of workloads and Services, and immutable fields.
 * Returns field errors; the caller turns them into one 422 Invalid.
 */
import { CronExpressionParser } from 'cron-parser';
import type { FieldError } from './errors';
import type { ResourceType } from './registry';
import { deepEqual } from './ssa';
import type { KubeObject } from './types';

type Obj = Record<string, any>;

const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

export function nameErrors(rule: ResourceType['nameRule'], name: string, field = 'metadata.name'): FieldError[] {
  const errs: FieldError[] = [];
  const inv = (detail: string) => errs.push({ field, type: 'FieldValueInvalid', value: name, detail });
  switch (rule) {
    case 'label':
      if (name.length > 63) inv('must be no more than 63 characters');
      if (!LABEL_RE.test(name)) inv(LABEL_MSG);
      break;
    case 'dns1035':
      if (name.length > 63) inv('must be no more than 63 characters');
      if (!DNS1035_RE.test(name)) inv(DNS1035_MSG);
      break;
    case 'path':
      if (name === '.' || name === '..') inv(`may not be '${name}'`);
      if (name.includes('/')) inv("may not contain '/'");
      if (name.includes('%')) inv("may not contain '%'");
      break;
    default:
      if (name.length > 253) inv('must be no more than 253 characters');
      if (!SUBDOMAIN_RE.test(name)) inv(SUBDOMAIN_MSG);
  }
  return errs;
}

function qualifiedNameErrors(key: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let name = key;
  const slash = key.indexOf('/');
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    name = key.slice(slash + 1);
    if (!prefix || prefix.length > 253 || !SUBDOMAIN_RE.test(prefix)) {
      errs.push({ field, type: 'FieldValueInvalid', value: key, detail: `prefix part ${SUBDOMAIN_MSG}` });
    }
  }
  if (!name || name.length > 63 || !QUALIFIED_NAME_RE.test(name)) {
    errs.push({
      field,
      type: 'FieldValueInvalid',
      value: key,
      detail:
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    });
  }
  return errs;
}

function labelErrors(labels: unknown, field: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) {
    return [{ field, type: 'FieldValueInvalid', value: labels, detail: 'must be a map of strings' }];
  }
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels as Obj)) {
    errs.push(...qualifiedNameErrors(k, field));
    if (typeof v !== 'string') {
      errs.push({ field: `${field}`, type: 'FieldValueInvalid', value: v, detail: 'label values must be strings' });
    } else if (v.length > 63 || !LABEL_VALUE_RE.test(v)) {
      errs.push({
        field,
        type: 'FieldValueInvalid',
        value: v,
        detail:
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      });
    }
  }
  return errs;
}

function annotationErrors(ann: unknown): FieldError[] {
  if (ann === undefined || ann === null) return [];
  if (typeof ann !== 'object' || Array.isArray(ann)) {
    return [{ field: 'metadata.annotations', type: 'FieldValueInvalid', value: ann, detail: 'must be a map of strings' }];
  }
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(ann as Obj)) {
    errs.push(...qualifiedNameErrors(k.toLowerCase(), 'metadata.annotations'));
    if (typeof v !== 'string') errs.push({ field: `metadata.annotations`, type: 'FieldValueInvalid', value: v, detail: 'annotation values must be strings' });
    total += k.length + String(v).length;
  }
  if (total > 256 * 1024) errs.push({ field: 'metadata.annotations', type: 'FieldValueTooLong', detail: 'must have at most 262144 bytes' });
  return errs;
}

function matchesSelector(selector: Obj | undefined, labels: Obj | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of (selector.matchExpressions ?? []) as Obj[]) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const vals: unknown[] = e.values ?? [];
    if (e.operator === 'In' && !(has && vals.includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && vals.includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function containerErrors(spec: Obj | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    errs.push({ field: `${field}.containers`, type: 'FieldValueRequired', detail: '' });
    return errs;
  }
  const seen = new Set<string>();
  containers.forEach((c: Obj, i: number) => {
    const f = `${field}.containers[${i}]`;
    if (!c || typeof c !== 'object') {
      errs.push({ field: f, type: 'FieldValueInvalid', value: c, detail: 'must be an object' });
      return;
    }
    if (!c.name) errs.push({ field: `${f}.name`, type: 'FieldValueRequired', detail: '' });
    else {
      if (!LABEL_RE.test(String(c.name))) errs.push({ field: `${f}.name`, type: 'FieldValueInvalid', value: c.name, detail: LABEL_MSG });
      if (seen.has(c.name)) errs.push({ field: `${f}.name`, type: 'FieldValueDuplicate', value: c.name, detail: '' });
      seen.add(c.name);
    }
    if (!c.image) errs.push({ field: `${f}.image`, type: 'FieldValueRequired', detail: '' });
    if (Array.isArray(c.ports)) {
      c.ports.forEach((p: Obj, j: number) => {
        const cp = p?.containerPort;
        if (cp === undefined) errs.push({ field: `${f}.ports[${j}].containerPort`, type: 'FieldValueRequired', detail: '' });
        else if (typeof cp !== 'number' || cp < 1 || cp > 65535) {
          errs.push({ field: `${f}.ports[${j}].containerPort`, type: 'FieldValueInvalid', value: cp, detail: 'must be between 1 and 65535, inclusive' });
        }
      });
    }
  });
  return errs;
}

function workloadErrors(obj: Obj, requireSelector = true): FieldError[] {
  const errs: FieldError[] = [];
  const spec: Obj | undefined = obj.spec;
  if (requireSelector && !spec?.selector) {
    errs.push({ field: 'spec.selector', type: 'FieldValueRequired', detail: '' });
  } else if (requireSelector && spec?.selector && !spec.selector.matchLabels && !spec.selector.matchExpressions) {
    errs.push({ field: 'spec.selector', type: 'FieldValueInvalid', value: spec.selector, detail: 'empty selector is invalid for deployment' });
  }
  const tpl = spec?.template;
  if (!tpl) {
    errs.push({ field: 'spec.template', type: 'FieldValueRequired', detail: '' });
    return errs;
  }
  if (requireSelector && spec?.selector && !matchesSelector(spec.selector, tpl.metadata?.labels)) {
    errs.push({
      field: 'spec.template.metadata.labels',
      type: 'FieldValueInvalid',
      value: tpl.metadata?.labels ?? {},
      detail: '`selector` does not match template `labels`',
    });
  }
  errs.push(...labelErrors(tpl.metadata?.labels, 'spec.template.metadata.labels'));
  errs.push(...containerErrors(tpl.spec, 'spec.template.spec'));
  if (typeof spec?.replicas === 'number' && spec.replicas < 0) {
    errs.push({ field: 'spec.replicas', type: 'FieldValueInvalid', value: spec.replicas, detail: 'must be greater than or equal to 0' });
  }
  return errs;
}

const KIND_RULES: Record<string, (obj: Obj) => FieldError[]> = {
  'apps/Deployment': o => workloadErrors(o),
  'apps/ReplicaSet': o => workloadErrors(o),
  'apps/StatefulSet': o => workloadErrors(o),
  'apps/DaemonSet': o => workloadErrors(o),
  'batch/Job': o => {
    const errs = workloadErrors(o, false);
    const rp = o.spec?.template?.spec?.restartPolicy;
    if (o.spec?.template && rp !== 'OnFailure' && rp !== 'Never') {
      errs.push({ field: 'spec.template.spec.restartPolicy', type: 'FieldValueRequired', detail: 'valid values: "OnFailure", "Never"' });
    }
    return errs;
  },
  'batch/CronJob': o => {
    const errs: FieldError[] = [];
    const schedule = o.spec?.schedule;
    if (!schedule) errs.push({ field: 'spec.schedule', type: 'FieldValueRequired', detail: '' });
    else {
      try {
        CronExpressionParser.parse(String(schedule).replace(/^(@every\s.*)$/, '* * * * *'));
      } catch (e) {
        errs.push({ field: 'spec.schedule', type: 'FieldValueInvalid', value: schedule, detail: (e as Error).message });
      }
    }
    const tplSpec = o.spec?.jobTemplate?.spec?.template?.spec;
    errs.push(...containerErrors(tplSpec, 'spec.jobTemplate.spec.template.spec'));
    return errs;
  },
  '/Pod': o => containerErrors(o.spec, 'spec'),
  '/Service': o => {
    const errs: FieldError[] = [];
    const spec: Obj = o.spec ?? {};
    const type = spec.type ?? 'ClusterIP';
    if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type)) {
      errs.push({ field: 'spec.type', type: 'FieldValueNotSupported', value: type, detail: 'supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"' });
    }
    const ports = spec.ports;
    if (type !== 'ExternalName' && spec.clusterIP !== 'None' && (!Array.isArray(ports) || ports.length === 0)) {
      errs.push({ field: 'spec.ports', type: 'FieldValueRequired', detail: '' });
    }
    if (type === 'ExternalName' && !spec.externalName) errs.push({ field: 'spec.externalName', type: 'FieldValueRequired', detail: '' });
    if (Array.isArray(ports)) {
      ports.forEach((p: Obj, i: number) => {
        if (typeof p?.port !== 'number' || p.port < 1 || p.port > 65535) {
          errs.push({ field: `spec.ports[${i}].port`, type: 'FieldValueInvalid', value: p?.port ?? 0, detail: 'must be between 1 and 65535, inclusive' });
        }
        if (ports.length > 1 && !p?.name) errs.push({ field: `spec.ports[${i}].name`, type: 'FieldValueRequired', detail: '' });
      });
    }
    return errs;
  },
  '/ConfigMap': o => {
    const errs: FieldError[] = [];
    for (const field of ['data', 'binaryData']) {
      const d = o[field];
      if (d === undefined || d === null) continue;
      if (typeof d !== 'object' || Array.isArray(d)) {
        errs.push({ field, type: 'FieldValueInvalid', value: d, detail: 'must be a map' });
        continue;
      }
      for (const [k, v] of Object.entries(d)) {
        if (!CONFIG_KEY_RE.test(k) || k.length > 253) {
          errs.push({ field: `${field}[${k}]`, type: 'FieldValueInvalid', value: k, detail: "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')" });
        }
        if (typeof v !== 'string') errs.push({ field: `${field}[${k}]`, type: 'FieldValueInvalid', value: v, detail: 'must be a string' });
      }
    }
    return errs;
  },
  '/Secret': o => {
    const errs: FieldError[] = [];
    const d = o.data;
    if (d && typeof d === 'object') {
      for (const [k, v] of Object.entries(d)) {
        if (!CONFIG_KEY_RE.test(k)) errs.push({ field: `data[${k}]`, type: 'FieldValueInvalid', value: k, detail: "a valid config key must consist of alphanumeric characters, '-', '_' or '.'" });
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
          errs.push({ field: `data[${k}]`, type: 'FieldValueInvalid', value: '<secret contents redacted>', detail: 'must be base64 encoded' });
        }
      }
    }
    return errs;
  },
  'rbac.authorization.k8s.io/RoleBinding': o => roleRefErrors(o),
  'rbac.authorization.k8s.io/ClusterRoleBinding': o => roleRefErrors(o),
  'apiextensions.k8s.io/CustomResourceDefinition': o => crdErrors(o),
  'networking.k8s.io/Ingress': o => {
    const errs: FieldError[] = [];
    const rules = o.spec?.rules;
    if (Array.isArray(rules)) {
      rules.forEach((r: Obj, i: number) => {
        (r?.http?.paths ?? []).forEach((p: Obj, j: number) => {
          if (!p?.pathType) errs.push({ field: `spec.rules[${i}].http.paths[${j}].pathType`, type: 'FieldValueRequired', detail: 'pathType must be specified' });
        });
      });
    }
    return errs;
  },
};

function roleRefErrors(o: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (!o.roleRef?.kind) errs.push({ field: 'roleRef.kind', type: 'FieldValueRequired', detail: '' });
  if (!o.roleRef?.name) errs.push({ field: 'roleRef.name', type: 'FieldValueRequired', detail: '' });
  return errs;
}

function crdErrors(o: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec: Obj = o.spec ?? {};
  const names: Obj = spec.names ?? {};
  if (!spec.group) errs.push({ field: 'spec.group', type: 'FieldValueRequired', detail: '' });
  else if (!String(spec.group).includes('.')) errs.push({ field: 'spec.group', type: 'FieldValueInvalid', value: spec.group, detail: 'should be a domain with at least one dot' });
  if (!names.plural) errs.push({ field: 'spec.names.plural', type: 'FieldValueRequired', detail: '' });
  if (!names.kind) errs.push({ field: 'spec.names.kind', type: 'FieldValueRequired', detail: '' });
  if (names.plural && spec.group && o.metadata?.name !== `${names.plural}.${spec.group}`) {
    errs.push({ field: 'metadata.name', type: 'FieldValueInvalid', value: o.metadata?.name, detail: `must be spec.names.plural+"."+spec.group` });
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errs.push({ field: 'spec.scope', type: 'FieldValueNotSupported', value: spec.scope ?? '', detail: 'supported values: "Cluster", "Namespaced"' });
  }
  const versions = spec.versions;
  if (!Array.isArray(versions) || versions.length === 0) {
    errs.push({ field: 'spec.versions', type: 'FieldValueInvalid', value: versions ?? null, detail: 'must have exactly one version marked as storage version' });
  } else {
    const storage = versions.filter((v: Obj) => v?.storage === true).length;
    if (storage !== 1) errs.push({ field: 'spec.versions', type: 'FieldValueInvalid', value: versions.map((v: Obj) => v?.name), detail: 'must have exactly one version marked as storage version' });
    versions.forEach((v: Obj, i: number) => {
      if (!v?.name) errs.push({ field: `spec.versions[${i}].name`, type: 'FieldValueRequired', detail: '' });
    });
  }
  return errs;
}

/** Validates a whole object (storage version) before it is stored. */
export function validateObject(type: ResourceType, obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const meta = obj.metadata;
  if (!meta.name) errs.push({ field: 'metadata.name', type: 'FieldValueRequired', detail: 'name or generateName is required' });
  else if (type.nameRule !== 'crd') errs.push(...nameErrors(type.nameRule, meta.name));
  else errs.push(...nameErrors('subdomain', meta.name));
  if (type.namespaced && meta.namespace) errs.push(...nameErrors('label', meta.namespace, 'metadata.namespace'));
  errs.push(...labelErrors(meta.labels, 'metadata.labels'));
  errs.push(...annotationErrors(meta.annotations));
  if (meta.finalizers !== undefined && !Array.isArray(meta.finalizers)) {
    errs.push({ field: 'metadata.finalizers', type: 'FieldValueInvalid', value: meta.finalizers, detail: 'must be a list' });
  }
  if (Array.isArray(meta.ownerReferences)) {
    meta.ownerReferences.forEach((r, i) => {
      for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const) {
        if (!r || !r[f]) errs.push({ field: `metadata.ownerReferences[${i}].${f}`, type: 'FieldValueInvalid', value: r?.[f] ?? '', detail: `${f} must not be empty` });
      }
    });
    if (meta.ownerReferences.filter(r => r?.controller === true).length > 1) {
      errs.push({ field: 'metadata.ownerReferences', type: 'FieldValueInvalid', value: meta.ownerReferences, detail: 'Only one reference can have Controller set to true' });
    }
  }
  if (!type.custom) {
    const rule = KIND_RULES[`${type.group}/${type.kind}`];
    if (rule) errs.push(...rule(obj));
  }
  return errs;
}

/** Fields that may not change once set. */
export function immutabilityErrors(type: ResourceType, oldObj: KubeObject, obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const key = `${type.group}/${type.kind}`;
  const immutable = (field: string, a: unknown, b: unknown) => {
    if (!deepEqual(a, b)) errs.push({ field, type: 'FieldValueInvalid', value: b, detail: 'field is immutable' });
  };
  switch (key) {
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
      immutable('spec.selector', oldObj.spec?.selector, obj.spec?.selector);
      break;
    case 'batch/Job':
      immutable('spec.selector', oldObj.spec?.selector, obj.spec?.selector);
      break;
    case '/Service':
      if (oldObj.spec?.clusterIP && obj.spec?.clusterIP && oldObj.spec.type === obj.spec.type) {
        immutable('spec.clusterIPs[0]', oldObj.spec.clusterIP, obj.spec.clusterIP);
      }
      break;
    case '/ConfigMap':
    case '/Secret':
      if (oldObj.immutable === true) {
        if (!deepEqual(oldObj.data, obj.data) || !deepEqual(oldObj.binaryData, obj.binaryData)) {
          errs.push({ field: 'data', type: 'FieldValueForbidden', detail: 'field is immutable when `immutable` is set' });
        }
        if (obj.immutable !== true) errs.push({ field: 'immutable', type: 'FieldValueForbidden', detail: 'field is immutable when `immutable` is set' });
      }
      break;
    case 'rbac.authorization.k8s.io/RoleBinding':
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      if (!deepEqual(oldObj.roleRef, obj.roleRef)) {
        errs.push({ field: 'roleRef', type: 'FieldValueInvalid', value: obj.roleRef, detail: 'cannot change roleRef' });
      }
      break;
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      immutable('spec.group', oldObj.spec?.group, obj.spec?.group);
      immutable('spec.names.plural', oldObj.spec?.names?.plural, obj.spec?.names?.plural);
      immutable('spec.scope', oldObj.spec?.scope, obj.spec?.scope);
      break;
    default:
      break;
  }
  const oldFin: string[] = oldObj.metadata.finalizers ?? [];
  if (oldObj.metadata.deletionTimestamp) {
    const added = (obj.metadata.finalizers ?? []).filter(f => !oldFin.includes(f));
    if (added.length) {
      errs.push({ field: 'metadata.finalizers', type: 'FieldValueForbidden', detail: `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` });
    }
  }
  return errs;
}
