/**
 * The console's stylesheet: desktop first (a side menu and wide tables), one column on a phone.
 * Inlined like the site's own and allowed by its hash in the CSP; no inline style attributes.
 */
export const consoleCss = `
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5c5c5c;--bg:#fff;--card:#f6f4f1;--line:#e2ddd6;--accent:#b3261e;--link:#0b57a4;--ok:#1e6b34;--warn:#8a5a00;--err:#b3261e;--side:#faf8f5}
@media (prefers-color-scheme:dark){:root{--fg:#e8e6e3;--muted:#a9a49d;--bg:#141414;--card:#1f1e1d;--line:#3a3733;--accent:#ff8a80;--link:#8ab4f8;--ok:#7fd195;--warn:#f0c060;--err:#ff8a80;--side:#1a1918}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.6 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
a{color:var(--link)}
.bar{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.6rem 1.25rem;border-bottom:1px solid var(--line)}
.bar .brand{font-weight:700;color:var(--accent);text-decoration:none;margin-right:auto}
.bar .who{color:var(--muted);font-size:14px}
.bar form{margin:0}
.shell{display:grid;grid-template-columns:13rem minmax(0,1fr);min-height:calc(100vh - 3.2rem)}
.side{background:var(--side);border-right:1px solid var(--line);padding:1rem .75rem}
.side h2{font-size:12px;letter-spacing:.06em;text-transform:uppercase;color:var(--muted);margin:1rem .5rem .25rem}
.side h2:first-child{margin-top:0}
.side a{display:block;padding:.3rem .5rem;border-radius:4px;text-decoration:none;color:var(--fg)}
.side a[aria-current=page]{background:var(--card);font-weight:600;color:var(--accent)}
main{padding:1.25rem 2rem 3rem;max-width:80rem}
.bare main{max-width:26rem;margin:3rem auto;padding:1.25rem}
.head{display:flex;flex-wrap:wrap;align-items:baseline;gap:.5rem 1rem;justify-content:space-between}
h1{font-size:1.4rem;line-height:1.4;margin:.25rem 0 .75rem}
h2{font-size:1.1rem;margin:1.75rem 0 .5rem}
p{margin:.5rem 0}
.muted,.hint{color:var(--muted);font-size:14px}
.flash{padding:.6rem .9rem;border-radius:4px;border-left:4px solid var(--ok);background:var(--card);margin:0 0 1rem}
.flash.error{border-left-color:var(--err)}
.secret{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:14px;word-break:break-all;padding:.6rem .8rem;background:var(--card);border:1px dashed var(--accent);border-radius:4px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.table{overflow-x:auto;margin:.5rem 0 1rem}
table{width:100%;border-collapse:collapse;font-size:14px}
th,td{text-align:left;vertical-align:top;padding:.45rem .5rem;border-bottom:1px solid var(--line);overflow-wrap:normal}
td code{white-space:nowrap}
th{font-weight:600;color:var(--muted);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.revoked td{color:var(--muted);text-decoration:line-through}
tr.revoked td.keep{text-decoration:none}
.tag{display:inline-block;font-size:12px;line-height:1.6;padding:0 .45em;border-radius:3px;background:var(--card);border:1px solid var(--line);white-space:nowrap}
.tag.write,.tag.owner{border-color:var(--accent);color:var(--accent)}
form{margin:.75rem 0}
form.inline{display:inline;margin:0}
.card{border:1px solid var(--line);border-radius:6px;padding:1rem 1.1rem;margin:1rem 0;max-width:40rem}
.card h2{margin-top:0}
.field{margin:0 0 .9rem}
.field label{display:block;font-weight:600;margin:0 0 .2rem}
.field .hint{margin:.15rem 0 0}
.field .error{color:var(--err);font-size:14px;margin:.2rem 0 0;font-weight:600}
input,select,textarea,button{font:inherit;max-width:100%}
input[type=text],input[type=email],input[type=password],input[type=date],input[type=search],select,textarea{width:100%;padding:.45rem .55rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg)}
[aria-invalid=true]{border-color:var(--err);outline:1px solid var(--err)}
button,.button{display:inline-block;padding:.45rem 1rem;border:1px solid var(--accent);border-radius:4px;background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;font-size:14px}
button.quiet,.button.quiet{background:transparent;color:var(--accent)}
button.link{background:none;border:0;padding:0;color:var(--link);text-decoration:underline;cursor:pointer}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}
.filters .field{margin:0;min-width:9rem;flex:1 1 9rem}
.pager{display:flex;gap:1rem;margin:1rem 0}
.depth-2{padding-left:1.6rem}.depth-3{padding-left:2.7rem}.depth-4{padding-left:3.8rem}.depth-5{padding-left:4.9rem}.depth-6{padding-left:6.0rem}.depth-7{padding-left:7.1rem}.depth-8{padding-left:8.2rem}.depth-9{padding-left:9.3rem}.depth-10{padding-left:10.4rem}
.meter{vertical-align:middle}.meter .out{fill:var(--line)}.meter .ack{fill:var(--ok)}.meter .late{fill:var(--err)}
.chart{max-width:100%;height:auto}.chart .col{fill:var(--ok)}.chart .axis{stroke:var(--line)}.chart text{fill:var(--muted);font-size:11px}
.totals{display:flex;flex-wrap:wrap;gap:.75rem;margin:.5rem 0 1rem}.totals div{border:1px solid var(--line);border-radius:6px;padding:.5rem .9rem;min-width:8rem}.totals strong{display:block;font-size:1.5rem;font-variant-numeric:tabular-nums}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:1rem}.sheet figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:.6rem;text-align:center;break-inside:avoid}.sheet svg{width:100%;height:auto;background:#fff}.sheet figcaption{font-size:13px}
@media (max-width:760px){table{min-width:44rem}.shell{display:block}.side{border-right:0;border-bottom:1px solid var(--line);padding:.5rem .75rem;display:flex;flex-wrap:wrap;gap:.1rem .25rem;align-items:center}.side h2{display:none}.side a{padding:.25rem .45rem}main{padding:1rem}.bar{padding:.5rem 1rem}.card{padding:.85rem}}
@media print{.bar,.side,.noprint{display:none}.shell{display:block}body{color:#000;background:#fff}main{padding:0;max-width:none}.sheet{grid-template-columns:repeat(4,1fr)}}
`
  .trim()
  .replace(/\n/g, '')
