export { EngineHealthCard, EngineHealthView } from './EngineHealthCard';
