"""Render the notebooks, with their stored outputs, to one browsable HTML folder — for readers without Quarto (`nbdev-docs`).

Usage: python tools/offline_docs.py [OUT]   (default: _site_offline)"""
import html, json, re, shutil, sys
from pathlib import Path
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]

def title(nb) -> str:
    "The notebook's first heading"
    for c in nb['cells']:
        if c['cell_type'] == 'markdown' and (m := re.search(r'^#\s+(.+)$', ''.join(c['source']), re.M)): return m.group(1).strip()
    return ''

def build(out) -> Path:
    "Write one page per notebook of `nbs/` to `out`, each with a navigation bar; the README's notebook is `index.html`"
    out, nbs = Path(out), sorted((ROOT/'nbs').glob('*.ipynb'))
    tmp = out.with_name(out.name + '.tmp')
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    pages = [(p, 'index.html' if p.stem == 'index' else f'{p.stem}.html', title(json.loads(p.read_text()))) for p in nbs]
    nav = '<nav style="padding:.5em 1em;border-bottom:1px solid #ccc">' + ' · '.join(
        f'<a href="{href}">{html.escape(t or p.stem)}</a>' for p, href, t in sorted(pages, key=lambda x: x[1] != 'index.html')) + '</nav>'
    exporter = HTMLExporter(template_name='lab')
    for p, href, t in pages:
        body, _ = exporter.from_filename(str(p))
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav, body, count=1)
        (tmp/href).write_text(re.sub(r'<title>.*?</title>', lambda m: f'<title>{html.escape(t or p.stem)}</title>', body, count=1))
    if (ROOT/'results').exists(): shutil.copytree(ROOT/'results', tmp/'results', ignore=shutil.ignore_patterns('*.json'))
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    return out

if __name__ == '__main__': print(build(sys.argv[1] if len(sys.argv) > 1 else ROOT/'_site_offline')/'index.html')
