export { GitopsAdminPage, GitopsAdminContent } from './GitopsAdminPage';
