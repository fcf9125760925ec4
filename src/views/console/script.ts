/**
 * The console's only script, served as a file (/admin/console.js) that the console's CSP allows
 * by its address; never inline. Every page works without it: it only adds a copy button to
 * secrets shown once and asks before a form marked data-confirm removes something.
 */
export const CONSOLE_SCRIPT_PATH = '/admin/console.js'

export const consoleScript = `'use strict'
document.addEventListener('submit', function (event) {
  var form = event.target
  var question = form && form.getAttribute && form.getAttribute('data-confirm')
  if (question && !window.confirm(question)) event.preventDefault()
})
document.querySelectorAll('[data-copy]').forEach(function (source) {
  if (!navigator.clipboard) return
  var button = document.createElement('button')
  button.type = 'button'
  button.className = 'quiet'
  button.textContent = source.getAttribute('data-copy-label') || 'Copy'
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = source.getAttribute('data-copied-label') || 'Copied'
    })
  })
  source.insertAdjacentElement('afterend', button)
})
`
