"""Handwriting-style fonts from Debian packages, fetched once and sha256-checked: those marked "train" are mixed
into training (`models.pen`); the rest are held out, so bench/pen.py measures fonts the network never saw."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from models import data
from models.data import DEFAULT_ROOT

FOLDER = "fonts"  # under the data root
# package -> (split, {font file: sha256})
FONTS = {
    "fonts-bwht": ("train", {
        "BecauseWeBuild-Regular.otf": "202160d49b0cfbe8a812c5a75487058f7caba2398324214a1e6d34f24b68d855",
        "BecauseWeConnect-Regular.otf": "c9c7135605a5c8cd143b611881c93383c6804166c4770810ab0c07dbbff3aac9",
        "BecauseWeCreate-Regular.otf": "abdbea89b7de43bccae63975af1714a26a473584341d5c395fca1cb1c51ff48f",
        "BecauseWeLearn-Regular.otf": "d5551a6a1449de4ee2e8ddcd0bcc3e7d292d24c61fc6515d8db9b03a65b127dd",
        "BecauseWeMentor-Regular.otf": "b71888fd9a79936e44a55baf1bf0bb4e594827be890882c4fc9918409e8c2509",
        "BecauseWeOrganize-Regular.otf": "f97f8557caa4de42f743d8d4ea0851993b12c112e8713fd6d6d08881e6a24c5e",
    }),
    "fonts-comic-neue": ("train", {
        "ComicNeue-Bold.otf": "0637fea8f858cd1d9a6e0ff786bed3d8cc2dc59b871a28e268a5a0106f052a92",
        "ComicNeue-BoldItalic.otf": "317338fd1611f4a18476b5fbbeea367816c6663c6e973e770f1b281fcc90fed4",
        "ComicNeue-Italic.otf": "e5b8b4c03b0a93b058038401f722074cef03da066a8653d92436e8ee597cbc53",
        "ComicNeue-Light.otf": "2b8a7a8c1a6b670a9ca2673bec28affd02d411415dc763648386c8b0bb165006",
        "ComicNeue-LightItalic.otf": "3b747803d67a741e981d4b66fa64ba685848b8bba24b66a4bd8d03ad6548cb86",
        "ComicNeue-Regular.otf": "2728ee8f303e31934e62bf27b044fd7657b0613412d51f7444db1078cc3a7cb2",
    }),
    "fonts-dancingscript": ("train", {
        "DancingScript-Bold.otf": "0ef9febbf9cf763e47b51170bc74c5ac0e0cc65918469ec6521729ce11dacd46",
        "DancingScript-Regular.otf": "38178945aaefdea573f4998d8b984985aaebb95964da337b23e77e682d7d3d17",
    }),
    "fonts-lobster": ("train", {"lobster.otf": "4605f4c5aac8d4bb55a28a63db6c1dd06394d4b6e0cb157f61603fb26021a617"}),
    "fonts-breip": ("train", {
        "Breip.ttf": "cded2aeeeb7d35baa8aa5b57df35a25836910498271d3d2eec502f6aa7033eb7",
        "breipfont.ttf": "47eeab43f428b532be1c2e094aa2059b33f8f03a06827cf31ebf163a929af6c7",
    }),
    "fonts-dkg-handwriting": ("train", {
        "dkg.ttf": "93eb07f57b84f04fa975ebf49ecec43d9b2c85834a9b63864072c6b993efd131",
        "dkgBI.ttf": "42699be9d77fc2b580b7bb83e664855e835b3306801187a6577f802409dd0f48",
        "dkgBd.ttf": "62b88a2819923a5f0ab3944713122d0a0957a4081c0294d00c3205e225d5c3f2",
        "dkgIt.ttf": "911843f094cbe0508dd5049e3e610020d97b395cdaa8ed088f0f3af8e3a6e661",
    }),
    "fonts-leckerli-one": ("train", {
        "LeckerliOne-Regular.ttf": "3f38ed99a07ab426eaa64c7d5773850a5dc8e6719b03125efce2cfbc82b083d7",
    }),
    "fonts-havana": ("train", {"Havana-Regular.otf": "f0f4e84f9903c32706691df31e422e0ab919eb9569702100dfc1dff7ca184562"}),
    "fonts-seto": ("train", {"setofont.ttf": "af54468357473617a77515436f7dca8f9376690aa514f3a7dbfc36a3b3f8229e"}),
    "fonts-kaushanscript": ("bench", {
        "KaushanScript-Regular.otf": "c007ebe4c813374ed02da003394b73b39fa709ff5891c5613733c96be595ba28",
    }),
    "fonts-humor-sans": ("bench", {"Humor-Sans.ttf": "2ded6a27448c9ed30aaff177744e2bcf1e52e0aab018b2a8be64565df633318f"}),
    "fonts-kristi": ("bench", {"Kristi.ttf": "6c14164cd50b52d03d88728971285fe1dbf0d6ee8af6d29274b5d5026a0fb622"}),
    "fonts-rufscript": ("bench", {"Rufscript010.ttf": "99b16515f19ab35d18049235797b0dbe3ec73535d455994442b206c96405050f"}),
    "fonts-ecolier-court": ("bench", {
        "Ecolier-court.ttf": "bdbbded05cbb318d470d36475aefe2435847e025a2c7cd3610f8f13bf8e2a829",
    }),
    "fonts-femkeklaver": ("bench", {"femkeklaver.ttf": "db4020ede05b31104fb017a2f081c700022b13f4b07811d07c7e088fdbcc4012"}),
    "fonts-joscelyn": ("bench", {
        "Joscelyn-Regular.otf": "d3c84b2cf1f809154847d7800baa00bc563ca0201a97e09cd65ac73cce6d833a",
    }),
    "fonts-tlwg-purisa-ttf": ("bench", {
        "Purisa.ttf": "cceae46a2c8862c20971b9e7c5297b4c23decda9a674c0eea7ddbd3c799b14dd",
        "Purisa-Bold.ttf": "27caaf0196ee4600b2650f5ec188ff30582aa48e09a75a770b8f2fda13657b8d",
        "Purisa-Oblique.ttf": "73c6e03e9a33cd3ab47d4744508451bd276ff85994180a7b69eca47356a19def",
        "Purisa-BoldOblique.ttf": "27d29d63623250844cd3ebab27cb7f0940d7f30a4d0a902d7109960f9a83091e",
    }),
    "fonts-kiloji": ("bench", {
        "kiloji.ttf": "f75142c667d7a6ba69d18bd694a4efe68780e607b3c4382e5d30a042c96e9e41",
        "kiloji_b.ttf": "b9e478b14e8d58db592f19bcd324f5c799aacef6223246bac314a141efca73fd",
        "kiloji_d.ttf": "95d0f381bf8b384d98961f87ca01c565c511db10b90835631c2e2697c43ef626",
        "kiloji_p.ttf": "073770f515fe540f5401f60eda8a326350679c904f94fd26535df6b984ea5bc7",
    }),
    "fonts-cabinsketch": ("bench", {
        "CabinSketch-Regular.ttf": "e87bf418e498424284c289c6ba57eaba29f2fc072ee780326823650a67a48f4f",
        "CabinSketch-Bold.ttf": "ad4522a3819977e3cab756fa8ab900e777df2dca0c7731d6bc300aeb661fcc3d",
    }),
    "fonts-navilu": ("bench", {"Navilu.ttf": "4d324f4050163d7ac311676ac5038f7866d68170a5a4b60b6cb92866f8f9f647"}),
    "fonts-aoyagi-kouzan-t": ("bench", {
        "AoyagiKouzanT.ttf": "233d623f88c083631521c909950ce3046eb9f89d444a0a8be4c80ac50019fcbd",
    }),
    "fonts-aoyagi-soseki": ("bench", {
        "aoyagi-soseki.ttf": "40b77688adac33d2a19d080d721afd5cb6b12b7c3ef523c354ed8ec5da4e440f",
    }),
    "fonts-gfs-gazis": ("bench", {"GFSGazis.otf": "5613607179d2aea6bddd7dcd2b1db35d926f80e6f2b3af687dc0f0722dde1bc0"}),
}  # fmt: skip


def fetch(root: Path = DEFAULT_ROOT) -> dict[str, list[Path]]:
    """The handwriting fonts under root/fonts (fetched from Debian once, sha256-checked): {"train": [...], "bench": [...]}."""
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[Path]] = {"train": [], "bench": []}
    for package, (split, files) in FONTS.items():
        if not all((folder / f).is_file() for f in files):
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    extracted = data.debian_package(package, Path(tmp))
                except (OSError, subprocess.CalledProcessError, StopIteration) as exc:
                    raise data.DataUnavailable(f"could not fetch Debian package {package}: {exc}") from None
                for name in files:
                    shutil.copyfile(next(extracted.rglob(name)), folder / name)
        data.verify(files, folder)
        out[split] += [folder / name for name in files]
    return out
