// Wrangler and the Workers test pool import a .bin file as a Data module: an ArrayBuffer.
declare module '*.bin' {
  const data: ArrayBuffer
  export default data
}

// ... and a .bin file (wrangler's default Data rule) as an ArrayBuffer.
declare module '*.bin' {
  const data: ArrayBuffer
  export default data
}
