// Any other /api path: a JSON 404 from the API, like the other WebNova backends.
import { api } from '@/server/src/main';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';
export const GET = api;
export const POST = api;
export const PUT = api;
export const PATCH = api;
export const DELETE = api;
