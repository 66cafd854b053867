export { gitopsApiRef, type GitopsApi } from './GitopsApi';
export { GitopsClient } from './GitopsClient';
