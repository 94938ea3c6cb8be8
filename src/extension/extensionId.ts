/** The extension's id, `<publisher>.<name>` of package.json (a unit test holds them together). */
export const EXTENSION_ID = 'smart-llm.smart-llm';

/** The Settings editor's search for Smart's own settings (`smart.` would also list other extensions' "smart" settings first). */
export const SETTINGS_QUERY = `@ext:${EXTENSION_ID}`;
