import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// Apps and plugins load lazily: on a busy CI machine the first render can take seconds,
// longer than testing-library's one-second default for findBy* queries.
configure({ asyncUtilTimeout: 10_000 });
