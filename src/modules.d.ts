// Wrangler and the Workers test pool import a .bin file as a Data module: an ArrayBuffer.
declare module '*.bin' {
  const data: ArrayBuffer
  export default data
}
