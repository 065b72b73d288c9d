// GET /health: the API's health check (and whether the database is PostgreSQL or embedded).
import { api } from '@/server/src/main';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';
export const GET = api;
