/**
 * Session values: what actions and inputs store, templates show and sessions keep. Below both
 * `sessions/` and `ussd/`, which share them.
 */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type Vars = Record<string, Json>;
