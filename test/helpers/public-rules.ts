/**
 * The public Falco and Sigma rule sets, as published (unmodified copies of
 * ../shared/rules in fixtures/rules/public, with their licenses; SOURCE.md
 * names the upstream commits), so tests run from any clone.
 */
export const PUBLIC_RULES = new URL('../../fixtures/rules/public/', import.meta.url).pathname.replace(/\/$/, '');
export const PUBLIC_FALCO = `${PUBLIC_RULES}/falco`;
export const PUBLIC_SIGMA = `${PUBLIC_RULES}/sigma`;
