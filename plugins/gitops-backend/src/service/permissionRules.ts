/**
 * The Application resource type of the permission framework, with rules a policy can
 * use in conditional decisions (e.g. "platform team may sync Applications of project
 * shop only"): `isInProject`, `hasLabel`, `isInDestinationNamespace`.
 */
import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import { GITOPS_APPLICATION_RESOURCE_TYPE, type Application } from '@gitops-suite/plugin-gitops-common';
import { z } from 'zod';

/** Rules filter in memory: the "query" is a predicate over Applications. */
export type ApplicationFilter = (app: Application) => boolean;

export const applicationResourceRef = createPermissionResourceRef<Application, ApplicationFilter>().with({
  pluginId: 'gitops',
  resourceType: GITOPS_APPLICATION_RESOURCE_TYPE,
});

const isInProject = createPermissionRule({
  name: 'IS_IN_PROJECT',
  description: 'Allow Applications of the given AppProjects',
  resourceRef: applicationResourceRef,
  paramsSchema: z.object({ projects: z.array(z.string()).describe('AppProject names') }),
  apply: (app, { projects }) => projects.includes(app.spec?.project ?? 'default'),
  toQuery: ({ projects }) => (app: Application) => projects.includes(app.spec?.project ?? 'default'),
});

const hasLabel = createPermissionRule({
  name: 'HAS_LABEL',
  description: 'Allow Applications carrying a label (with a value, when given)',
  resourceRef: applicationResourceRef,
  paramsSchema: z.object({ label: z.string(), value: z.string().optional() }),
  apply: (app, { label, value }) => {
    const actual = app.metadata.labels?.[label];
    return actual !== undefined && (value === undefined || actual === value);
  },
  toQuery:
    ({ label, value }) =>
    (app: Application) => {
      const actual = app.metadata.labels?.[label];
      return actual !== undefined && (value === undefined || actual === value);
    },
});

const isInDestinationNamespace = createPermissionRule({
  name: 'IS_IN_DESTINATION_NAMESPACE',
  description: 'Allow Applications deploying to the given namespaces',
  resourceRef: applicationResourceRef,
  paramsSchema: z.object({ namespaces: z.array(z.string()) }),
  apply: (app, { namespaces }) => namespaces.includes(app.spec?.destination?.namespace ?? ''),
  toQuery: ({ namespaces }) => (app: Application) => namespaces.includes(app.spec?.destination?.namespace ?? ''),
});

export const applicationRules = { isInProject, hasLabel, isInDestinationNamespace };

/** For policy authors: `gitopsApplicationConditions.isInProject({ projects: ['shop'] })`. */
export const { conditions: gitopsApplicationConditions, createConditionalDecision: createGitopsApplicationConditionalDecision } =
  createConditionExports({ resourceRef: applicationResourceRef, rules: applicationRules });
