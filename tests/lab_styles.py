"""Correct lab notebooks written the ways students write them: each works in Jupyter (Colab or
local) and must get full marks. Built from the solution's cells, so they stay correct."""

import base64
import os

import nbformat

from lab_base import solution_cells

COLAB_HEADER = (
    "gpu_info = !nvidia-smi\n"
    "gpu_info = '\\n'.join(gpu_info)\n"
    "if gpu_info.find('failed') >= 0:\n"
    "  print('Not connected to a GPU')\n"
    "else:\n"
    "  print(gpu_info)\n"
    "try:\n"
    "    from google.colab import drive\n"
    "    drive.mount('/content/drive')\n"
    "except ImportError:\n"
    "    pass\n"
)
DEVICE = (
    "if torch.cuda.is_available():\n"
    "    device = torch.device('cuda')\n"
    "elif torch.backends.mps.is_available():\n"
    "    device = torch.device('mps')\n"
    "else:\n"
    "    device = torch.device('cpu')\n"
    "print(f'using {device}')"
)
ARGPARSE = (  # pytorch/examples' vae/main.py and dcgan/main.py, ported to a notebook
    "import argparse\n"
    "parser = argparse.ArgumentParser(description='lab')\n"
    "parser.add_argument('--batch-size', type=int, default=128, metavar='N')\n"
    "parser.add_argument('--epochs', type=int, default=10)\n"
    "parser.add_argument('--nz', type=int, default=100)\n"
    "parser.add_argument('--seed', type=int, default=1)\n"
    "args, unknown = parser.parse_known_args()\n"
    "torch.manual_seed(args.seed)"
)
HPARAMS = "from dataclasses import dataclass\n\n@dataclass\nclass HParams:\n    latent: int = 20\n    nz: int = 100\n    lr: float = 2e-4\n\nhp = HParams()"
LONG_LOOP = (
    "import time\n"
    "losses = []\n"
    "try:\n"
    "    for epoch in range(10_000):\n"
    "        for step in range(100):\n"
    "            losses.append(float(torch.randn(64, 100).pow(2).mean()))\n"
    "        time.sleep(0.01)\n"
    "except Exception as e:\n"
    "    print('training stopped:', e)\n"
)


def _png_output(kb: int) -> dict:
    """An image output of about `kb` kilobytes, as a notebook saved after plotting stores it."""
    data = base64.b64encode(os.urandom(kb * 768)).decode()
    return nbformat.v4.new_output("display_data", data={"image/png": data, "text/plain": "<Figure>"})


def _notebook(cells, outputs_kb=0) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Lab\nRun every cell in order."))
    for i, code in enumerate(cells):
        cell = nbformat.v4.new_code_cell(code, execution_count=i + 1)
        if outputs_kb:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="epoch 1 loss 0.5\n" * 50)]
            cell.outputs.append(_png_output(outputs_kb))
        nb.cells.append(cell)
        nb.cells.append(nbformat.v4.new_markdown_cell(f"Notes on step {i + 1}."))
    return nb


PY311 = (
    "def describe(x: torch.Tensor | None) -> str:\n"
    "    match x:\n"
    "        case None:\n"
    "            return 'nothing'\n"
    "        case torch.Tensor() if x.dim() == 0:\n"
    "            return f'{x.item()=}'\n"
    "        case _:\n"
    "            return f'{tuple(x.shape)=}'\n"
    "\n"
    "try:\n"
    "    raise ExceptionGroup('checks', [ValueError('a'), TypeError('b')])\n"
    "except* ValueError:\n"
    "    pass\n"
    "except* TypeError:\n"
    "    pass\n"
    "print(describe(torch.zeros(2, 3)))"
)


def _in_function(header: str, cell: str, indent: str = "    ") -> str:
    """A cell's code as the body of a function (a script's main(), a Trainer's fit())."""
    return header + "\n" + "\n".join(indent + line if line.strip() else line for line in cell.splitlines())


def _in_try(cell: str) -> str:
    """The training cell inside try/except Exception, as students guard a long run."""
    body = "\n".join("    " + line for line in cell.splitlines())
    return f"try:\n{body}\nexcept Exception as e:\n    print('training stopped:', e)"


def _edit(cells, old, new):
    text = "\n\n#%%\n".join(cells)
    assert old in text, old
    return text.replace(old, new).split("\n\n#%%\n")


def styles(lab: str, base=None, synthetic_loop: bool = True) -> dict:
    """name -> notebook, for one lab; `base` is the solution's code cells (the bench passes a copy
    made runnable offline)."""
    base = list(base or solution_cells(lab))
    nz_use = ("    def __init__(self, nz=100, ngf=64):", "    def __init__(self, nz=args.nz, ngf=64):")
    latent_use = ("    def __init__(self, latent_dim=20):", "    def __init__(self, latent_dim=hp.latent):")
    found = {
        "colab": [COLAB_HEADER, *base],
        "time_and_capture_magics": ["%%capture\n" + base[0], *("%%time\n" + c for c in base[1:])],
        "saved_with_outputs": base,  # outputs added below: more than 2 MB of them
        "device_if_elif": [base[0], DEVICE, *base[1:]],
        "argparse_port": [base[0], ARGPARSE, *(_edit(base[1:], *nz_use) if lab == "gan" else base[1:])],
        "future_and_dataclass": [
            "from __future__ import annotations\n" + base[0],
            HPARAMS,
            *(_edit(base[1:], *latent_use) if lab == "vae" else base[1:]),
        ],
        "long_loop_in_try": [*base[:-1], *([LONG_LOOP] if synthetic_loop else []), _in_try(base[-1])],
        "redefined_later": [*base, base[3]],  # the same definitions run again, as after a re-run
        # float64 as the default dtype, the loaded batches converted to it (issue 13: 8/17 and 8/14 before)
        "float64_default": _edit(
            [base[0] + "\ntorch.set_default_dtype(torch.float64)", *base[1:]],
            *(
                ("    for real, _ in loader:", "    for real, _ in loader:\n        real = real.double()")
                if lab == "gan"
                else ("    for x, _ in loader:", "    for x, _ in loader:\n        x = x.double()")
            ),
        ),  # fmt: skip
        # issue 13's tryout: a script-style main() behind the __main__ guard, a Trainer class, Python 3.11
        # syntax, torch.distributions for the noise, and the training cell saved before the models it uses
        "main_guard": [
            *base[:-1],
            _in_function("def main():", base[-1]) + '\n\nif __name__ == "__main__":\n    main()',
        ],
        "trainer_class": [
            *base[:-1],
            "class Trainer:\n" + _in_function("    def fit(self):", base[-1], "        ") + "\n\nTrainer().fit()",
        ],
        "python311_syntax": [*base, PY311],
        "distributions": _edit(
            base,
            *(
                (
                    "z = torch.randn(real.shape[0], nz, 1, 1)",
                    "z = torch.distributions.Normal(0.0, 1.0).sample((real.shape[0], nz, 1, 1))",
                )
                if lab == "gan"
                else ("return mu + std * torch.randn_like(std)", "return torch.distributions.Normal(mu, std).rsample()")
            ),
        ),
        "out_of_order": [base[0], base[-1], *base[1:-1]],
    }
    if lab == "gan":
        found["device_if_elif"] = _edit(
            found["device_if_elif"],
            "z = torch.randn(real.shape[0], nz, 1, 1)",
            "z = torch.randn(real.shape[0], nz, 1, 1, device=device)",
        )
        found["column_outputs_and_list_return"] = _edit(
            _edit(base, "return self.net(x).view(-1)", "return self.net(x).view(-1, 1)"),
            "return loss_D.item(), loss_G.item()",
            "return [loss_D.item(), loss_G.item()]",
        )
    else:
        found["device_if_elif"] = _edit(
            found["device_if_elif"],
            "torch.randn(n, model.fc_mu.out_features)",
            "torch.randn(n, model.fc_mu.out_features, device=device)",
        )
    return {
        name: _notebook(cells, outputs_kb=1200 if name == "saved_with_outputs" else 0) for name, cells in found.items()
    }


JUPYTEXT_HEADER = "# ---\n# jupyter:\n#   jupytext:\n#     text_representation:\n#       format_name: percent\n# ---\n"


def jupytext_percent(cells) -> str:
    """A notebook as `jupytext --to py:percent` writes it: a header, `# %%` cells, markdown as comments."""
    parts = [JUPYTEXT_HEADER, "# %% [markdown]\n# # The lab, exported with jupytext\n"]
    parts += [f"# %%\n{cell}\n" for cell in cells]
    return "\n".join(parts)


def write_styles(lab: str, folder) -> list:
    paths = []
    for name, nb in styles(lab).items():
        path = folder / f"{name}.ipynb"
        nbformat.write(nb, str(path))
        paths.append(path)
    path = folder / "jupytext_percent.py"
    path.write_text(jupytext_percent([*solution_cells(lab), "def broken(:\n    pass"]))  # a bad cell costs itself
    paths.append(path)
    return paths
