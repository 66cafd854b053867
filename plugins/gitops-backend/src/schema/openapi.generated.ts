// Generated from openapi.yaml by scripts/generate-openapi.mjs: do not edit by hand.
/* eslint-disable */
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';

export const spec = {
  "openapi": "3.0.3",
  "info": {
    "title": "gitops",
    "version": "1",
    "description": "REST API of the GitOps suite's backend plugin, mounted at /api/gitops: the Application sync engine (Argo CD semantics) and the rollout engine (Argo Rollouts semantics).",
    "license": {
      "name": "Apache-2.0"
    }
  },
  "servers": [
    {
      "url": "/"
    }
  ],
  "paths": {
    "/health": {
      "get": {
        "operationId": "GetHealth",
        "summary": "Status of the engines and of the configured clusters.",
        "security": [],
        "responses": {
          "200": {
            "description": "Engine status.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/HealthResponse"
                }
              }
            }
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "JWT": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT"
      }
    },
    "schemas": {
      "EngineStatus": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "state"
        ],
        "properties": {
          "state": {
            "type": "string",
            "enum": [
              "starting",
              "running",
              "stopped",
              "disabled",
              "failed"
            ]
          },
          "message": {
            "type": "string"
          },
          "managed": {
            "type": "integer"
          },
          "lastPassAt": {
            "type": "string",
            "format": "date-time"
          },
          "lastPassMillis": {
            "type": "number"
          }
        }
      },
      "ClusterStatus": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "name",
          "server",
          "reachable"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "server": {
            "type": "string"
          },
          "reachable": {
            "type": "boolean"
          },
          "version": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "labels": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "cachedObjects": {
            "type": "integer"
          }
        }
      },
      "HealthResponse": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "status",
          "version",
          "startedAt",
          "engines",
          "clusters"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "ok",
              "degraded"
            ]
          },
          "version": {
            "type": "string"
          },
          "startedAt": {
            "type": "string",
            "format": "date-time"
          },
          "engines": {
            "type": "object",
            "additionalProperties": false,
            "required": [
              "sync",
              "rollouts"
            ],
            "properties": {
              "sync": {
                "$ref": "#/components/schemas/EngineStatus"
              },
              "rollouts": {
                "$ref": "#/components/schemas/EngineStatus"
              }
            }
          },
          "clusters": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ClusterStatus"
            }
          }
        }
      }
    }
  },
  "security": [
    {},
    {
      "JWT": []
    }
  ]
} as const;

export const createOpenApiRouter = async (
  options?: Parameters<typeof createValidatedOpenApiRouter>['1'],
) => createValidatedOpenApiRouter<typeof spec>(spec, options);
