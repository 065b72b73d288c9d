// GET /openapi.json: the OpenAPI document of the API (server/src/openapi.ts).
import { api } from '@/server/src/main';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';
export const GET = api;
