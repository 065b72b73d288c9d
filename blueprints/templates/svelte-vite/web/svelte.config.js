// Svelte compiler options for vite-plugin-svelte and svelte-check: runes mode everywhere.
export default {
  compilerOptions: { runes: true },
};
