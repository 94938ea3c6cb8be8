/** The package.json of the Data Wrangler stand-in (extension.ts), which the integration runner writes beside its compiled copy. */
export const STAND_IN_MANIFEST = {
  name: 'datawrangler',
  publisher: 'ms-toolsai',
  displayName: 'Data Wrangler (stand-in for the integration suite)',
  version: '0.0.1',
  engines: { vscode: '^1.90.0' },
  main: './extension.js',
  activationEvents: ['onCustomEditor:jupyter-data-wrangler'],
  contributes: {
    customEditors: [
      {
        viewType: 'jupyter-data-wrangler',
        displayName: 'Data Wrangler',
        selector: ['*.csv', '*.tsv', '*.parquet'].map((filenamePattern) => ({ filenamePattern })),
        priority: 'option',
      },
    ],
  },
};
