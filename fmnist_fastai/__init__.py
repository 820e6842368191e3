__version__ = "0.0.1"

import warnings
# torch 2.14 deprecates `torch.jit.script`, which fastai's layers call when imported: nothing a user can act on
warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
# fastprogress warns when a progress bar has nothing to show: the validation pass of a run trained on all 60k (holdout=0)
warnings.filterwarnings('ignore', message='Your generator is empty', category=UserWarning)

# What a script needs, importable from the top level without importing torch or fastai until first used
_LAZY = {'train': 'training', 'TrainResult': 'training', 'PRESETS': 'recipes', 'predict': 'inference', 'load_predictor': 'inference'}

def __getattr__(name):
    if name not in _LAZY: raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module
    return getattr(import_module(f'{__name__}.{_LAZY[name]}'), name)

def __dir__(): return sorted([*globals(), *_LAZY])
