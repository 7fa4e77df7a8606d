// The formatter's settings (`npm run format` applies them). The tree's style as
// written: no semicolons, single quotes, trailing commas, long lines allowed up
// to 160 characters (tables and SQL read better whole).
export default {
  semi: false,
  singleQuote: true,
  trailingComma: 'all',
  printWidth: 160,
  plugins: ['prettier-plugin-svelte'],
  overrides: [{ files: '*.svelte', options: { parser: 'svelte' } }],
}
