// Vite's `?raw` suffix imports a file's text (used to read the repo's shell scripts in tests).
declare module "*?raw" {
  const content: string;
  export default content;
}
