// Wrangler and the Workers test pool import a .wasm file as a compiled WebAssembly.Module.
declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}

// ... and a .bin file (wrangler's default Data rule) as an ArrayBuffer.
declare module '*.bin' {
  const data: ArrayBuffer
  export default data
}
