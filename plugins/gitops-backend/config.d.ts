/** Configuration of the gitops backend plugin (app-config.yaml, key `gitops`). */
export interface Config {
  gitops?: {
    /**
     * Namespace of the control cluster that holds Applications and AppProjects, as Argo CD's
     * `argocd` namespace does. Default `argocd`.
     */
    namespace?: string;

    /**
     * Clusters Applications deploy to. The one marked `inCluster` (else the one named
     * `in-cluster`, else the first) is the control cluster, which destinations reach as
     * `https://kubernetes.default.svc`.
     */
    clusters?: Array<{
      /** Name used by `spec.destination.name`. */
      name: string;
      /** API server URL (with `serviceAccountToken`); used by `spec.destination.server`. */
      url?: string;
      /**
       * Bearer token of a service account.
       * @visibility secret
       */
      serviceAccountToken?: string;
      /** PEM of the API server's CA, when not in a kubeconfig. */
      caData?: string;
      skipTLSVerify?: boolean;
      /** A kubeconfig file to read the cluster and credentials from, instead of url/token. */
      kubeconfigPath?: string;
      /** Context of the kubeconfig to use (default: its current context). */
      context?: string;
      /** Labels, for ApplicationSet cluster generators and the fleet view. */
      labels?: { [name: string]: string };
      /** This is the control cluster. */
      inCluster?: boolean;
    }>;

    /**
     * A simulated cluster started inside the backend (package @gitops-suite/cluster-sim),
     * used as the control cluster when no clusters are configured. Off by default.
     */
    embeddedCluster?: {
      enabled?: boolean;
      /** Port of its HTTPS API (default: a free port). */
      port?: number;
      /** Keeps its state across restarts. */
      dataDir?: string;
      /** Writes its kubeconfig there, so kubectl can watch it. */
      kubeconfigPath?: string;
    };

    reconciliation?: {
      /** How often Git is polled for new commits, as Argo CD's timeout.reconciliation. Default 120s. */
      pollingInterval?: string;
      /** Random extra delay added to each poll. Default 60s. */
      pollingJitter?: string;
      /** Parallel reconciliations per replica. Default 8. */
      workers?: number;
      /** Shards Applications are spread over between replicas. Default 4. */
      shards?: number;
      /** Seconds a replica holds a shard before claiming it again. Default 60. */
      leaseSeconds?: number;
      /** Application health for child Applications (app-of-apps waves). Default false, as Argo CD. */
      applicationHealth?: boolean;
    };

    git?: {
      /** Where repositories are cloned and checked out. Default: a folder in the OS temp dir. */
      cacheDir?: string;
      credentials?: Array<{
        /** URL prefix the credential applies to. */
        url: string;
        username?: string;
        /**
         * Password or token.
         * @visibility secret
         */
        password?: string;
        /**
         * SSH private key (PEM).
         * @visibility secret
         */
        sshPrivateKey?: string;
        insecureIgnoreHostKey?: boolean;
      }>;
    };

    render?: {
      /** Command rendering Kustomize overlays. Default `kustomize`, else `kubectl kustomize`. */
      kustomizeCommand?: string;
      /** The helm binary. Helm sources fail with a clear condition when unset. */
      helmCommand?: string;
      /** Rendered results kept in memory. Default 1000. */
      cacheSize?: number;
      /** Timeout of one render, in seconds. Default 90. */
      timeoutSeconds?: number;
    };

    api?: {
      /** Check every REST answer against the OpenAPI document (a development and test aid). */
      validateResponses?: boolean;
    };

    webhook?: {
      github?: {
        /** @visibility secret */
        secret?: string;
      };
      gitlab?: {
        /** @visibility secret */
        secret?: string;
      };
      gitea?: {
        /** @visibility secret */
        secret?: string;
      };
    };
  };
}
