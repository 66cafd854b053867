/** Configuration of the gitops backend plugin (app-config.yaml, key `gitops`). */
export interface Config {
  gitops?: {
    /** Namespace of the control cluster holding Applications and AppProjects. Default `argocd`. */
    namespace?: string;
  };
}
