"""The jail's offline stand-in (transforms), reused: one copy of torchvision's behaviour."""

from examkit.labs.jail.inside.offline.torchvision.transforms import *  # noqa: F403
