"What a script meets first: `import fmnist_fastai` is light, its top level offers `train`, `predict` and the presets, and every backbone name resolves without side-effect imports."
import inspect, subprocess, sys
from unittest import mock

def python(code):
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.split()

def test_import_is_light():
    assert python("import sys, fmnist_fastai; print('torch' in sys.modules, 'fastai' in sys.modules)") == ['False', 'False']

def test_top_level():
    import fmnist_fastai
    from fmnist_fastai import training, inference, recipes
    assert inspect.isfunction(fmnist_fastai.train) and fmnist_fastai.train is training.train
    assert inspect.isfunction(fmnist_fastai.predict) and fmnist_fastai.predict is inference.predict
    assert fmnist_fastai.PRESETS is recipes.PRESETS and 'default' in fmnist_fastai.PRESETS
    assert {'train', 'predict', 'PRESETS'} <= set(dir(fmnist_fastai))
    with mock.patch('fmnist_fastai.training.train') as fake:  # the function and its module have different names
        fmnist_fastai.train(epochs=1)
    fake.assert_called_once_with(epochs=1)

def test_registry_where_the_models_are():
    "A learner module alone knows every backbone"
    out = python("from fmnist_fastai.learner import fmnist_model; "
                 "print(*[sum(p.numel() for p in fmnist_model(a).parameters()) > 0 for a in ('wrn_40_4', 'compact_resnet', 'maxpool_resnet_half', 'convmixer_256_10')])")
    assert out == ['True'] * 4
