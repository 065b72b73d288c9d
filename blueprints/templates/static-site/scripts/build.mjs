// Copy the site into dist/ (the static build output).
import { cpSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
cpSync('site', 'dist', { recursive: true });
console.log('built dist/');
