"The offline docs build: one page per notebook, linked from every page, with the notebooks' pictures and tables."
import re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).parents[1]

def test_offline_docs(tmp_path):
    out = tmp_path/'site'
    r = subprocess.run([sys.executable, str(ROOT/'tools/offline_docs.py'), str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    pages = {p.stem for p in (ROOT/'nbs').glob('*.ipynb')}
    assert {p.stem for p in out.glob('*.html')} == pages
    home = (out/'index.html').read_text()
    for stem in pages - {'index'}: assert f'href="{stem}.html"' in home, stem
    assert '<title>fmnist_fastai</title>' in home and 'Quick start' in home
    aug, recipes = (out/'03_augment.html').read_text(), (out/'04_recipes.html').read_text()
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', aug)) >= 5  # the augmentation pictures
    assert '<table' in recipes and 'RandomErasing' in recipes  # the seed's recipe, point by point
    for img in re.findall(r'<img[^>]+src="(results/[^"]+)"', home): assert (out/img).exists(), img
