// Runs once when the Next.js server starts (`next start`, `next dev`).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { refuseUnfetchableMethods } = await import('./server/src/methods');
  refuseUnfetchableMethods();
}
