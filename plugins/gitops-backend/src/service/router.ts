/**
 * The REST API at /api/gitops, validated against the OpenAPI document
 * (src/schema/openapi.yaml). Handlers are thin: they check permissions, call the
 * engines and shape answers; the engines do the work.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { HealthResponse } from '@gitops-suite/plugin-gitops-common';
import type { Router } from 'express';
import { createOpenApiRouter } from '../schema/openapi.generated';

export interface RouterOptions {
  logger: LoggerService;
  health: () => Promise<HealthResponse>;
  /** Check every response against the OpenAPI document too (tests turn this on). */
  validateResponses?: boolean;
}

export async function createRouter(options: RouterOptions): Promise<Router> {
  const router = await createOpenApiRouter({
    validatorOptions: { validateResponses: options.validateResponses ?? false },
  });

  router.get('/health', async (_req, res) => {
    res.json(await options.health());
  });

  return router as unknown as Router;
}
