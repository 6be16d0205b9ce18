/** Svelte compiler options shared by Vite, Vitest and svelte-check. */
export default {
  compilerOptions: { runes: true },
};
