"""Buggy and hostile variants of the lab solutions, made by editing the solution source."""

from lab_base import solution_cells

VAE_PITFALLS = {
    # name: (original, replacement, checks expected to fail)
    "kl_mean": (
        "return -0.5 * torch.sum(1 + logvar",
        "return -0.5 * torch.mean(1 + logvar",
        {"kl_divergence", "vae_loss: summed"},  # beta still weights the (mis-reduced) KL
    ),
    "kl_sign": (
        "return -0.5 * torch.sum(1 + logvar",
        "return 0.5 * torch.sum(1 + logvar",
        {"kl_divergence", "vae_loss: summed", "vae_loss: beta", "VAE training"},
    ),
    "logvar_as_std": ("std = torch.exp(0.5 * logvar)", "std = logvar", {"VAE.reparameterize: sigma"}),
    "logvar_as_variance": ("std = torch.exp(0.5 * logvar)", "std = torch.exp(logvar)", {"VAE.reparameterize: sigma"}),
    "no_noise": (
        "return mu + std * torch.randn_like(std)",
        "return mu + 0 * std",
        {"VAE.reparameterize: adds noise", "VAE.reparameterize: sigma", "VAE.reparameterize: gradients"},
    ),
    "blocked_gradient": (
        "return mu + std * torch.randn_like(std)",
        "return torch.normal(mu, std).detach()",
        {"VAE.reparameterize: gradients"},
    ),
    "mean_reduction": (
        'reduction="sum"',
        'reduction="mean"',
        {"vae_loss: summed"},
    ),  # beta is judged on the student's own reduction
    "beta_ignored": (
        "return bce + beta * kl_divergence(mu, logvar)",
        "return bce + kl_divergence(mu, logvar)",
        {"vae_loss: beta"},
    ),
    "beta_on_reconstruction": (
        "return bce + beta * kl_divergence(mu, logvar)",
        "return beta * bce + kl_divergence(mu, logvar)",
        {"vae_loss: beta"},
    ),
    "decoder_range": (
        "return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))",
        "return self.fc4(F.relu(self.fc3(z)))",
        {"VAE.decode", "sample"},  # the training check trains the lab's own VAE: only the loss counts there
    ),
    "interpolation_endpoints": (
        "t = torch.linspace(0, 1, steps).unsqueeze(1)",
        "t = torch.linspace(0, 1, steps + 2)[1:-1].unsqueeze(1)",
        {"interpolate"},
    ),
}

GAN_PITFALLS = {
    "generator_size": (
        "nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())",
        "nn.ConvTranspose2d(ngf, 1, 4, 2, 0, bias=False), nn.Tanh())",
        {"Generator"},  # the training check trains the lab's own networks: it costs only its own check
    ),
    "generator_range": (
        "nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())",
        "nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False))",
        {"Generator"},
    ),
    "discriminator_logits": (
        "nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False), nn.Sigmoid())",
        "nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False))",
        {"Discriminator"},
    ),
    "saturating_loss": (
        "return criterion(d_fake, torch.ones_like(d_fake))",
        "return -criterion(d_fake, torch.zeros_like(d_fake))",
        {"generator_loss"},
    ),
    "generator_sign": (
        "return criterion(d_fake, torch.ones_like(d_fake))",
        "return -criterion(d_fake, torch.ones_like(d_fake))",
        {"generator_loss", "train_step: G step", "GAN training"},
    ),
    "swapped_labels": (
        "return criterion(d_real, torch.ones_like(d_real)) + criterion(d_fake, torch.zeros_like(d_fake))",
        "return criterion(d_real, torch.zeros_like(d_real)) + criterion(d_fake, torch.ones_like(d_fake))",
        {"discriminator_loss", "train_step: D step", "GAN training"},
    ),
    "no_detach": (
        "    loss_D = discriminator_loss(D(real), D(fake.detach()))\n    loss_D.backward()",
        "    loss_D = discriminator_loss(D(real), D(fake))\n    loss_D.backward(retain_graph=True)",
        {"train_step: fakes detached"},
    ),
    "no_zero_grad": ("    opt_D.zero_grad()\n", "", {"train_step: gradients zeroed"}),
    "wrong_init": ("nn.init.normal_(m.weight, 0.0, 0.02)", "nn.init.normal_(m.weight, 0.0, 0.2)", {"weights_init"}),
}

# The VAE's output forms ("fair on every numeric convention"): a decoder may return logits if vae_loss
# treats them as logits; sample and interpolate still return pixel values. name: (edits, checks expected to fail,
# the training check left out: it is judged apart).
_DECODER_LOGITS = ("return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))", "return self.fc4(F.relu(self.fc3(z)))")
_BCE = 'F.binary_cross_entropy(x_hat.view(-1, 784), x.view(-1, 784), reduction="sum")'
_LOSS_WITH_LOGITS = (_BCE, _BCE.replace("binary_cross_entropy(", "binary_cross_entropy_with_logits("))
_SAMPLE_SIGMOID = (
    "return model.decode(torch.randn(n, model.fc_mu.out_features))",
    "return torch.sigmoid(model.decode(torch.randn(n, model.fc_mu.out_features)))",
)
_INTERPOLATE_SIGMOID = (
    "return model.decode((1 - t) * mu1 + t * mu2)",
    "return torch.sigmoid(model.decode((1 - t) * mu1 + t * mu2))",
)
_LOGITS_PAIR = [_DECODER_LOGITS, _LOSS_WITH_LOGITS, _SAMPLE_SIGMOID, _INTERPOLATE_SIGMOID]
VAE_FORMS = {
    "logits_pair": (_LOGITS_PAIR, set()),
    "logits_pair_module_loss": (  # nn.BCEWithLogitsLoss, and a decoder that flattens its logits
        [
            _DECODER_LOGITS,
            (_BCE, 'nn.BCEWithLogitsLoss(reduction="sum")(x_hat.view(-1, 784), x.view(-1, 784))'),
            _SAMPLE_SIGMOID,
            _INTERPOLATE_SIGMOID,
        ],
        set(),
    ),
    "logits_pair_float64_default": (
        [
            *_LOGITS_PAIR,
            ("import torch\n", "import torch\ntorch.set_default_dtype(torch.float64)\n"),
            ("    for x, _ in loader:", "    for x, _ in loader:\n        x = x.double()"),
        ],
        set(),
    ),
    "logits_pair_mean_reduction": (  # the reduction costs the loss check; the pair is still consistent
        [*_LOGITS_PAIR, ('x.view(-1, 784), reduction="sum")', 'x.view(-1, 784), reduction="mean")')],
        {"vae_loss: summed"},
    ),
    "logits_pair_raw_images": ([_DECODER_LOGITS, _LOSS_WITH_LOGITS], {"sample", "interpolate"}),
    "double_sigmoid": ([_LOSS_WITH_LOGITS], {"vae_loss: summed"}),  # beta still weights the KL
    "logits_decoder_probability_bce": ([_DECODER_LOGITS, _SAMPLE_SIGMOID, _INTERPOLATE_SIGMOID], {"VAE.decode"}),
}

ACCEPTED_VARIANTS = {
    "vae": [
        (
            'F.binary_cross_entropy(x_hat.view(-1, 784), x.view(-1, 784), reduction="sum")',
            "-(x.view(-1, 784) * torch.log(x_hat.view(-1, 784)) + (1 - x.view(-1, 784)) * torch.log(1 - x_hat.view(-1, 784))).sum()",
        )
    ],
    "gan": [
        ("z = torch.randn(real.shape[0], nz, 1, 1)", "z = torch.randn(real.shape[0], nz)"),
        ("    loss_G = generator_loss(D(fake))", "    loss_G = generator_loss(D(G(torch.randn(real.shape[0], nz))))"),
    ],
}


def source(lab, edits=()):
    text = "\n\n".join(solution_cells(lab))
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text


# Each hostile submission is the full solution with attacks appended (later definitions win).
HOSTILE = {
    # attacks inside contract functions: each costs only its own checks
    "per_check_attacks": (
        "\nimport os, sys, socket\n"
        "def kl_divergence(mu, logvar):\n    while True:\n        pass\n"
        "def vae_loss(x_hat, x, mu, logvar, beta=1.0):\n    blocks = []\n    while True:\n        blocks.append(bytearray(10**8))\n"
        "def sample(model, n):\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n"
        "def interpolate(model, x1, x2, steps=10):\n    while True:\n        sys.stdout.write('x' * 100000)\n"
    ),
    "exits_and_network": (
        "\nimport os, socket\n"
        "def kl_divergence(mu, logvar):\n    os._exit(0)\n"
        "_ = kl_divergence(torch.zeros(2), torch.zeros(2))\n"  # a test call at top level ends the process
        "def interpolate(model, x1, x2, steps=10):\n    socket.create_connection(('1.1.1.1', 80), timeout=2)\n"
        "def sample(model, n):\n    from reference_models import losses\n    return losses\n"
    ),
    # attacks at definition time: they must not stop the grading of what the notebook defines
    "definition_time_attacks": (
        "\nwhile True:\n    pass\n"
        "stall = [i for i in iter(int, 1)]\n"
        "try:\n    open('/usr/pwned', 'w').write('x')\nexcept Exception:\n    pass\n"
        "try:\n    open('/tmp/pwned', 'w').write('x')\nexcept Exception:\n    pass\n"
    ),
    # results that are symlinks to /proc/self/mem: refused outside, never read (and never the batch's end)
    "symlinked_results": (
        "\nimport os\n"
        "for out in ('/scratch/out', 'out'):\n"
        "    try:\n"
        "        os.makedirs(out, exist_ok=True)\n"
        "        for name in ('summary.json', 'kl.json', 'kl.kl.npy'):\n"
        "            os.symlink('/proc/self/mem', out + '/' + name)\n"
        "    except OSError:\n"
        "        pass\n"
    ),
    # attempts to fake a score
    "forged_and_patched": (
        "\nimport os, json, numpy\n"
        "for out in ('/scratch/out', 'out'):\n"  # the one-shot jail's folder, and the warm jail's (under the cwd)
        "    os.makedirs(out, exist_ok=True)\n"
        "    _ = open(out + '/kl.json', 'w').write(json.dumps({'ok': True, 'values': {}, 'arrays': []}))\n"
        "    _ = open(out + '/summary.json', 'w').write(json.dumps({'probes': {}}))\n"
        "_ = print(json.dumps({'score': 100, 'tests': []}))\n"
        "numpy.allclose = lambda *a, **k: True\nnumpy.isclose = lambda *a, **k: True\n"
        "torch.allclose = lambda *a, **k: True\n"
        "class Always(float):\n    def __eq__(self, other):\n        return True\n"
        "def kl_divergence(mu, logvar):\n    return Always(0.0)\n"
        "def vae_loss(x_hat, x, mu, logvar, beta=1.0):\n    return torch.tensor(123.0)\n"
    ),
}

# Attacks from the issue-13 tryout, aimed at the batch itself: a replaced array writer (every array
# the harness writes becomes a 0-d array, which broke the feedback page outside the error handling),
# timers blocked, and a background thread rewriting every result file it can find.
BATCH_ATTACKS = {
    "array_writer_replaced": (
        "\nimport numpy as _np, numpy.lib.format as _fmt\n"
        "_write = _fmt.write_array\n"
        "def _evil(fp, array, *args, **kwargs):\n    return _write(fp, _np.zeros(()), *args, **kwargs)\n"
        "_fmt.write_array = _evil\n"
    ),
    "alarm_ignored": "\nimport signal\n_ = signal.signal(signal.SIGALRM, signal.SIG_IGN)\nsignal.alarm = lambda *a: 0\n",
    # the timer's signal blocked or ignored inside the very statement that then never ends, and a
    # top-level os._exit: each costs its own statement (the notebook is loaded again without it)
    "alarm_blocked_in_statement": (
        "\nimport signal\ndef _stall():\n    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
        "    while True:\n        pass\n_stall()\n"
    ),
    "alarm_ignored_in_statement": (
        "\nimport signal\ndef _stall():\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    while True:\n        pass\n_stall()\n"
    ),
    "top_level_exit": "\nimport os\nos._exit(0)\n",
    "background_rewriter": (
        "\nimport glob, json, threading, time\n"
        "def _rewrite():\n"
        "    end = time.time() + 30\n"
        "    while time.time() < end:\n"
        "        for path in glob.glob('/scratch/**/*.json', recursive=True) + glob.glob('out/**/*.json', recursive=True):\n"
        "            try:\n"
        "                open(path, 'w').write(json.dumps({'ok': True, 'values': {'score': 99}}))\n"
        "            except OSError:\n"
        "                pass\n"
        "        time.sleep(0.005)\n"
        "_ = threading.Thread(target=_rewrite, daemon=True).start()\n"
    ),
}

# Aimed at whatever the same warm jail grades next: a detached process that keeps deleting every
# result file it can find (it deletes its own notebook's results too).
LINGERING_ATTACK = (
    "\nimport os, time, glob\n"
    "def _attack():\n"
    "    if os.fork() == 0:\n"
    "        os.setsid()\n"
    "        if os.fork() == 0:\n"
    "            end = time.time() + 60\n"
    "            while time.time() < end:\n"
    "                for path in glob.glob('/scratch/**/*.json', recursive=True) + glob.glob('/scratch/**/*.npy', recursive=True):\n"
    "                    try:\n"
    "                        os.remove(path)\n"
    "                    except OSError:\n"
    "                        pass\n"
    "                time.sleep(0.01)\n"
    "        os._exit(0)\n"
    "    return 0\n"
    "_ = _attack()\n"  # an assignment: grading runs it at definition time
)

# Attempts on every other process visible in /proc (the warm jail's zygote included): forge its
# replies through its pipes, stop it.
PROC_ATTACK = (
    "\nimport os, signal\n"
    "def _attack():\n"
    "    for pid in [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:\n"
    "        for fd in ('0', '1'):\n"
    "            try:\n"
    "                open(f'/proc/{pid}/fd/{fd}', 'w').write('{\"id\": null, \"status\": \"ok\"}\\n')\n"
    "            except OSError:\n"
    "                pass\n"
    "        try:\n"
    "            os.kill(int(pid), signal.SIGSTOP)\n"
    "        except OSError:\n"
    "            pass\n"
    "    return 0\n"
    "_ = _attack()\n"
)

# A no-op train_step that forges what a watcher in its process would record (the frames above it
# hold the record) and, at definition time, replaces the harness's training probe (its globals are
# reachable from any frame) with one that hands back made-up parameters and the old probe's samples.
GAN_FORGERY = (
    "\nimport sys\nimport numpy as np\n"
    "def train_step(G, D, opt_G, opt_D, real, nz):\n"
    "    f = sys._getframe(1)\n"
    "    while f is not None:\n"
    "        rec = f.f_locals.get('record')\n"
    "        if isinstance(rec, list):\n"
    "            p = np.concatenate([t.detach().double().numpy().ravel() for t in list(G.parameters()) + list(D.parameters())])\n"
    "            up = p.copy(); up[:784] += 1e-3; up[784:1568] += 1e-3\n"
    "            rec.append(('D', p, up, np.zeros_like(p)))\n"
    "            rec.append(('G', up, up + 1e-3, np.full_like(p, 1e-3)))\n"
    "            break\n"
    "        f = f.f_back\n"
    "    return 0.0, 0.0\n"
    "def _patch():\n"
    "    f = sys._getframe()\n"
    "    while f is not None:\n"
    "        probes = f.f_globals.get('PROBES')\n"
    "        if isinstance(probes, dict) and 'gan_train' in probes:\n"
    "            from lab_probes.digits import digits28\n"
    "            def fake(ns, seed):\n"
    "                noise = np.random.rand(200, 1, 28, 28) * 2 - 1\n"
    "                return {'before': noise, 'after': (digits28(1024)[:200] * 2 - 1).double().numpy(),\n"
    "                        'control': noise, 'g_change': np.ones(10), 'g_params': np.random.randn(114064) * 0.05}\n"
    "            probes['gan_train'] = fake\n"
    "            return 1\n"
    "        f = f.f_back\n"
    "    return 0\n"
    "_ = _patch()\n"
)

# Forgeries of the training checks from inside the student's process, each with the solution's other
# functions (so only the training check is at stake): result files rewritten by a thread, files
# written and the process ended with os._exit(0) (GAN), and a loss that trains nothing but reaches
# the model through the call stack to move its parameters (VAE).
FORGERIES = {  # name -> (code appended to the solution, the checks it forges)
    "gan": {
        "exit_after_writing": (
            (
                "\nimport os, json, glob, numpy as np\n"
                "def train_step(G, D, opt_G, opt_D, real, nz):\n"
                "    for out in glob.glob('/scratch/**/out', recursive=True) + ['out']:\n"
                "        try:\n"
                "            np.save(out + '/gan_train.g_params.npy', np.random.randn(114064) * 0.05)\n"
                "            open(out + '/gan_train.json', 'w').write(json.dumps({'ok': True, 'values': {}, 'arrays': ['g_params']}))\n"
                "        except OSError:\n"
                "            pass\n"
                "    os._exit(0)\n"
            ),
            ("GAN training",),
        ),
        "thread_rewriter": (
            (
                "\nimport glob, json, threading, time, numpy as np\n"
                "def _rewrite():\n"
                "    end = time.time() + 30\n"
                "    while time.time() < end:\n"
                "        for path in glob.glob('/scratch/**/gan_train.json', recursive=True) + glob.glob('out/gan_train.json'):\n"
                "            try:\n"
                "                np.save(path[:-5] + '.g_params.npy', np.random.randn(114064) * 0.05)\n"
                "            except OSError:\n"
                "                pass\n"
                "        time.sleep(0.002)\n"
                "_ = threading.Thread(target=_rewrite, daemon=True).start()\n"
                "def train_step(G, D, opt_G, opt_D, real, nz):\n"
                "    return 0.0, 0.0\n"
            ),
            ("GAN training",),
        ),
    },
    "vae": {
        "stack_walker": (
            (
                "\nimport sys\n"
                "def vae_loss(x_hat, x, mu, logvar, beta=1.0):\n"
                "    f = sys._getframe(1)\n"
                "    while f is not None:\n"
                "        model = f.f_locals.get('model')\n"
                "        if model is not None and hasattr(model, 'parameters'):\n"
                "            with torch.no_grad():\n"
                "                for p in model.parameters():\n"
                "                    p.mul_(0.5)\n"
                "            break\n"
                "        f = f.f_back\n"
                "    return (x_hat * 0).sum() + 1.0\n"
            ),
            ("VAE training",),
        ),
        # draws made without autograd, with gradients made up by a custom backward
        "made_up_gradients": (
            "\nclass _Draw(torch.autograd.Function):\n"
            "    @staticmethod\n"
            "    def forward(ctx, mu, logvar):\n"
            "        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)\n"
            "    @staticmethod\n"
            "    def backward(ctx, grad):\n"
            "        return grad, 0.3 * grad\n"
            "VAE.reparameterize = lambda self, mu, logvar: _Draw.apply(mu, logvar)\n",
            ("VAE.reparameterize: gradients",),
        ),
        # frames that interpolate nothing, and the decoded line the harness would compare them with
        # rewritten to match through the call stack (there is none in its process: it is a control's)
        "line_rewritten": (
            (
                "\nimport sys, ctypes\n"
                "def interpolate(model, x1, x2, steps=10):\n"
                "    frames = torch.full((steps, 784), 0.5)\n"
                "    f = sys._getframe(1)\n"
                "    while f is not None:\n"
                "        for key in ('line', 'start', 'end'):\n"
                "            if key in f.f_locals:\n"
                "                f.f_locals[key] = frames if key == 'line' else frames[:1]\n"
                "                ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(f), ctypes.c_int(0))\n"
                "        f = f.f_back\n"
                "    return frames\n"
            ),
            ("interpolate",),
        ),
        "exit_after_writing": (
            (
                "\nimport os, json, glob\n"
                "def vae_loss(x_hat, x, mu, logvar, beta=1.0):\n"
                "    for out in glob.glob('/scratch/**/out', recursive=True) + ['out']:\n"
                "        try:\n"
                "            open(out + '/vae_train.json', 'w').write(json.dumps({'ok': True, 'values': {'form': 'logits'}, 'arrays': []}))\n"
                "        except OSError:\n"
                "            pass\n"
                "    os._exit(0)\n"
            ),
            ("VAE training",),
        ),
    },
}

# Fills its working folder from inside a check (a probe may run for 10 s): gigabytes at disk
# speed, unless the scratch quota stops it.
SCRATCH_FLOOD = (
    "\ndef kl_divergence(mu, logvar):\n"
    "    block = b'0' * (1 << 20)\n"
    "    for i in range(100):\n"
    "        with open(f'flood{i}.bin', 'wb') as fh:\n"
    "            for _ in range(60):\n"
    "                fh.write(block)\n"
    "    return mu.sum()\n"
)
