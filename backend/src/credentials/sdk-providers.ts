import { lazy } from '../lazy.ts';

/** The SDK's credential providers, loaded when a profile or the default chain is first resolved. */
export const credentialProviders = lazy(() => import('@aws-sdk/credential-providers'));
