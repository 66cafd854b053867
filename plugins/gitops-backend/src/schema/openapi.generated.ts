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
    },
    "/applications": {
      "get": {
        "operationId": "ListApplications",
        "summary": "Applications, filtered and paginated, with counts by sync and health status.",
        "parameters": [
          {
            "name": "project",
            "in": "query",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "cluster",
            "in": "query",
            "description": "Destination cluster name or server URL.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "namespace",
            "in": "query",
            "description": "Destination namespace.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "sync",
            "in": "query",
            "schema": {
              "type": "string",
              "enum": [
                "Synced",
                "OutOfSync",
                "Unknown"
              ]
            }
          },
          {
            "name": "health",
            "in": "query",
            "schema": {
              "type": "string",
              "enum": [
                "Healthy",
                "Progressing",
                "Degraded",
                "Suspended",
                "Missing",
                "Unknown"
              ]
            }
          },
          {
            "name": "entityRef",
            "in": "query",
            "description": "A catalog entity whose argocd/* annotations select Applications.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "selector",
            "in": "query",
            "description": "Label selector in Kubernetes syntax.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "search",
            "in": "query",
            "description": "Substring of the Application name.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "string",
              "pattern": "^[0-9]+$"
            }
          },
          {
            "name": "cursor",
            "in": "query",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "A page of Applications.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ListApplicationsResponse"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/applications/{name}": {
      "get": {
        "operationId": "GetApplication",
        "summary": "One Application, as stored, with its summary.",
        "parameters": [
          {
            "$ref": "#/components/parameters/name"
          }
        ],
        "responses": {
          "200": {
            "description": "The Application.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ApplicationDetailsResponse"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/applications/{name}/resources": {
      "get": {
        "operationId": "GetApplicationResources",
        "summary": "The resource tree (managed resources and their descendants, with parent links).",
        "parameters": [
          {
            "$ref": "#/components/parameters/name"
          }
        ],
        "responses": {
          "200": {
            "description": "The tree.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ResourceTreeResponse"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/applications/{name}/diff": {
      "get": {
        "operationId": "GetApplicationDiff",
        "summary": "Desired versus live, per resource, normalized, with Secret values masked.",
        "parameters": [
          {
            "$ref": "#/components/parameters/name"
          }
        ],
        "responses": {
          "200": {
            "description": "The diff.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DiffResponse"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/applications/{name}/history": {
      "get": {
        "operationId": "GetApplicationHistory",
        "summary": "Deployed revisions, newest last.",
        "parameters": [
          {
            "$ref": "#/components/parameters/name"
          }
        ],
        "responses": {
          "200": {
            "description": "The history.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/HistoryResponse"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/applications/{name}/operation": {
      "get": {
        "operationId": "GetApplicationOperation",
        "summary": "The current or last operation, with its step log.",
        "parameters": [
          {
            "$ref": "#/components/parameters/name"
          }
        ],
        "responses": {
          "200": {
            "description": "The operation.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/OperationDetailsResponse"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/applications/{name}/sync": {
      "post": {
        "operationId": "SyncApplication",
        "summary": "Starts a sync operation.",
        "parameters": [
          {
            "$ref": "#/components/parameters/name"
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SyncRequest"
              }
            }
          }
        },
        "responses": {
          "202": {
            "$ref": "#/components/responses/Operation"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/applications/{name}/refresh": {
      "post": {
        "operationId": "RefreshApplication",
        "summary": "Compares with Git again now; a hard refresh also re-fetches the repository.",
        "parameters": [
          {
            "$ref": "#/components/parameters/name"
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RefreshRequest"
              }
            }
          }
        },
        "responses": {
          "202": {
            "$ref": "#/components/responses/Operation"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/applications/{name}/rollback": {
      "post": {
        "operationId": "RollbackApplication",
        "summary": "Syncs to a revision of the history; refused while auto-sync is on.",
        "parameters": [
          {
            "$ref": "#/components/parameters/name"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RollbackRequest"
              }
            }
          }
        },
        "responses": {
          "202": {
            "$ref": "#/components/responses/Operation"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/applications/{name}/terminate": {
      "post": {
        "operationId": "TerminateOperation",
        "summary": "Terminates the running operation.",
        "parameters": [
          {
            "$ref": "#/components/parameters/name"
          }
        ],
        "responses": {
          "202": {
            "$ref": "#/components/responses/Operation"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/webhook": {
      "post": {
        "operationId": "ReceiveWebhook",
        "summary": "Git push webhooks (GitHub, GitLab, Gitea), verified with the shared secret.",
        "security": [],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Applications refreshed.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WebhookResponse"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/audit": {
      "get": {
        "operationId": "ListAudit",
        "summary": "Recent audit records (who did what, when, with which result).",
        "parameters": [
          {
            "name": "target",
            "in": "query",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "string",
              "pattern": "^[0-9]+$"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Audit records, newest first.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "items"
                  ],
                  "properties": {
                    "items": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/AuditRecord"
                      }
                    }
                  }
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    }
  },
  "components": {
    "parameters": {
      "name": {
        "name": "name",
        "in": "path",
        "required": true,
        "description": "The Application's name (in the control namespace).",
        "schema": {
          "type": "string",
          "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
          "maxLength": 253
        }
      }
    },
    "responses": {
      "Error": {
        "description": "An error, as Backstage answers them.",
        "content": {
          "application/json": {
            "schema": {
              "type": "object",
              "required": [
                "error"
              ],
              "properties": {
                "error": {
                  "type": "object",
                  "required": [
                    "name",
                    "message"
                  ],
                  "properties": {
                    "name": {
                      "type": "string"
                    },
                    "message": {
                      "type": "string"
                    }
                  }
                },
                "request": {
                  "type": "object"
                },
                "response": {
                  "type": "object"
                }
              }
            }
          }
        }
      },
      "Operation": {
        "description": "The request was recorded on the Application; the engine carries it out.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/OperationResponse"
            }
          }
        }
      }
    },
    "securitySchemes": {
      "JWT": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT"
      }
    },
    "schemas": {
      "Object": {
        "type": "object",
        "additionalProperties": true
      },
      "ApplicationSummary": {
        "type": "object",
        "required": [
          "name",
          "namespace",
          "project",
          "destination",
          "sync",
          "health",
          "autoSync",
          "prune",
          "selfHeal",
          "conditions",
          "labels",
          "annotations",
          "resourceCount"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "namespace": {
            "type": "string"
          },
          "project": {
            "type": "string"
          },
          "source": {
            "type": "object"
          },
          "sources": {
            "type": "array",
            "items": {
              "type": "object"
            }
          },
          "destination": {
            "type": "object"
          },
          "sync": {
            "type": "string"
          },
          "health": {
            "type": "string"
          },
          "healthMessage": {
            "type": "string"
          },
          "revision": {
            "type": "string"
          },
          "targetRevision": {
            "type": "string"
          },
          "autoSync": {
            "type": "boolean"
          },
          "prune": {
            "type": "boolean"
          },
          "selfHeal": {
            "type": "boolean"
          },
          "operationPhase": {
            "type": "string"
          },
          "lastSyncedAt": {
            "type": "string"
          },
          "reconciledAt": {
            "type": "string"
          },
          "conditions": {
            "type": "array",
            "items": {
              "type": "object"
            }
          },
          "labels": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "annotations": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "resourceCount": {
            "type": "integer"
          }
        }
      },
      "ListApplicationsResponse": {
        "type": "object",
        "required": [
          "items",
          "totalCount",
          "counts"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ApplicationSummary"
            }
          },
          "totalCount": {
            "type": "integer"
          },
          "nextCursor": {
            "type": "string"
          },
          "counts": {
            "type": "object",
            "required": [
              "sync",
              "health"
            ],
            "properties": {
              "sync": {
                "type": "object",
                "additionalProperties": {
                  "type": "integer"
                }
              },
              "health": {
                "type": "object",
                "additionalProperties": {
                  "type": "integer"
                }
              }
            }
          }
        }
      },
      "ApplicationDetailsResponse": {
        "type": "object",
        "required": [
          "summary",
          "application"
        ],
        "properties": {
          "summary": {
            "$ref": "#/components/schemas/ApplicationSummary"
          },
          "application": {
            "$ref": "#/components/schemas/Object"
          }
        }
      },
      "ResourceNode": {
        "type": "object",
        "required": [
          "group",
          "version",
          "kind",
          "namespace",
          "name",
          "parentRefs"
        ],
        "properties": {
          "uid": {
            "type": "string"
          },
          "group": {
            "type": "string"
          },
          "version": {
            "type": "string"
          },
          "kind": {
            "type": "string"
          },
          "namespace": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "status": {
            "type": "string"
          },
          "health": {
            "type": "object",
            "required": [
              "status"
            ],
            "properties": {
              "status": {
                "type": "string"
              },
              "message": {
                "type": "string"
              }
            }
          },
          "hook": {
            "type": "boolean"
          },
          "requiresPruning": {
            "type": "boolean"
          },
          "syncWave": {
            "type": "integer"
          },
          "parentRefs": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "images": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "createdAt": {
            "type": "string"
          }
        }
      },
      "ResourceTreeResponse": {
        "type": "object",
        "required": [
          "nodes"
        ],
        "properties": {
          "nodes": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ResourceNode"
            }
          }
        }
      },
      "ResourceDiff": {
        "type": "object",
        "required": [
          "group",
          "kind",
          "namespace",
          "name",
          "status",
          "diff"
        ],
        "properties": {
          "group": {
            "type": "string"
          },
          "kind": {
            "type": "string"
          },
          "namespace": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "status": {
            "type": "string"
          },
          "live": {
            "type": "string"
          },
          "desired": {
            "type": "string"
          },
          "diff": {
            "type": "string"
          },
          "requiresPruning": {
            "type": "boolean"
          }
        }
      },
      "DiffResponse": {
        "type": "object",
        "required": [
          "resources"
        ],
        "properties": {
          "revision": {
            "type": "string"
          },
          "resources": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ResourceDiff"
            }
          }
        }
      },
      "HistoryResponse": {
        "type": "object",
        "required": [
          "items"
        ],
        "properties": {
          "items": {
            "type": "array",
            "items": {
              "type": "object"
            }
          }
        }
      },
      "OperationDetailsResponse": {
        "type": "object",
        "required": [
          "log"
        ],
        "properties": {
          "operationState": {
            "type": "object"
          },
          "log": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "at",
                "level",
                "message"
              ],
              "properties": {
                "at": {
                  "type": "string"
                },
                "level": {
                  "type": "string"
                },
                "message": {
                  "type": "string"
                }
              }
            }
          }
        }
      },
      "SyncRequest": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "revision": {
            "type": "string",
            "minLength": 1
          },
          "prune": {
            "type": "boolean"
          },
          "dryRun": {
            "type": "boolean"
          },
          "syncOptions": {
            "type": "array",
            "items": {
              "type": "string",
              "pattern": "^[A-Za-z]+=.+$"
            }
          },
          "resources": {
            "type": "array",
            "items": {
              "type": "object",
              "additionalProperties": false,
              "required": [
                "kind",
                "name"
              ],
              "properties": {
                "group": {
                  "type": "string"
                },
                "kind": {
                  "type": "string",
                  "minLength": 1
                },
                "name": {
                  "type": "string",
                  "minLength": 1
                },
                "namespace": {
                  "type": "string"
                }
              }
            }
          }
        }
      },
      "RefreshRequest": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "hard": {
            "type": "boolean"
          }
        }
      },
      "RollbackRequest": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "id"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "minimum": 0
          },
          "prune": {
            "type": "boolean"
          },
          "dryRun": {
            "type": "boolean"
          }
        }
      },
      "OperationResponse": {
        "type": "object",
        "required": [
          "application",
          "message"
        ],
        "properties": {
          "application": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "operationState": {
            "type": "object"
          }
        }
      },
      "WebhookResponse": {
        "type": "object",
        "required": [
          "provider",
          "refreshed"
        ],
        "properties": {
          "provider": {
            "type": "string"
          },
          "repository": {
            "type": "string"
          },
          "revision": {
            "type": "string"
          },
          "refreshed": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        }
      },
      "AuditRecord": {
        "type": "object",
        "required": [
          "id",
          "at",
          "actor",
          "action",
          "target",
          "result"
        ],
        "properties": {
          "id": {
            "type": "integer"
          },
          "at": {
            "type": "string"
          },
          "actor": {
            "type": "string"
          },
          "action": {
            "type": "string"
          },
          "target": {
            "type": "string"
          },
          "result": {
            "type": "string"
          },
          "message": {
            "type": "string"
          }
        }
      },
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
          },
          "ownedShards": {
            "type": "array",
            "items": {
              "type": "integer"
            }
          },
          "shardCount": {
            "type": "integer"
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
