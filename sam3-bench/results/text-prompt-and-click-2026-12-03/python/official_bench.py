"""Times the official SAM 3 image model (facebookresearch/sam3, PyTorch on the CPU) the way sam3j's benchmarks time
sam3j: full architecture at 1008 x 1008, fp32, randomly initialised weights (the time does not depend on the values),
with the interactive (SAM 1 task) predictor as sam3j builds by default, the truck image, 2 threads. Prints build, each
setImage (backbone.forward_image and the interactive decoder's high-resolution projections, as Sam3Processor.set_image),
each text prompt (forward_text + forward_grounding + mask upsampling, as Sam3Processor.set_text_prompt), each click
(one positive point at the image centre, three masks: predict_inst with multimask_output) and the peak RSS.
With a third argument CLICKS above 1 (added for ../pytorch-side-by-side-2026-12-04), times print in ms precision and
each round's click is followed by CLICKS - 1 more a few pixels apart, their median, minimum and maximum on one line, as
sam3j's StartupProfile does with the same argument; without it the script does what it did for this run. With a fourth
argument TEXTS above 1 (added for ../zen3-text-prompts-2026-12-06), each round's first text prompt is followed by
TEXTS - 1 more, each a phrase not asked before (StartupProfile's list, in its order), their median, minimum, maximum
and the times in order on one line."""
import os, resource, sys, time
import stubs  # noqa: F401  (placeholders for GPU-only imports; "cuda" tensors go to the CPU)
import torchvision_transforms  # noqa: F401  (the two transforms the interactive predictor scripts when built)
import numpy as np
import torch
from PIL import Image

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
clicks = int(sys.argv[3]) if len(sys.argv) > 3 else 1
texts = int(sys.argv[4]) if len(sys.argv) > 4 else 1
more_phrases = ["tire", "window", "door", "road", "sky", "tree", "person", "building", "mirror", "headlight", "bumper",
                "license plate", "grass", "fence", "pole", "cloud", "shadow", "roof", "sign", "wall", "street lamp",
                "cab", "trailer", "windshield", "hubcap", "sidewalk", "bush", "house", "logo", "ladder"]
assert rounds * (texts - 1) <= len(more_phrases), "too many text prompts for the phrase list"
digits = 3 if clicks > 1 else 2
torch.set_num_threads(threads)
t0 = time.perf_counter()
from sam3.model_builder import build_sam3_image_model
from sam3.model.sam3_image_processor import Sam3Processor

def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def mark(what, since):
    print(f"{what:16s} {time.perf_counter() - since:8.{digits}f} s   peak RSS {rss_mib():7.0f} MiB", flush=True)

model = build_sam3_image_model(bpe_path=os.environ["SAM3_SHARED"] + "/tokenizer/bpe_simple_vocab_16e6.txt.gz", device="cpu",
                               load_from_HF=False, checkpoint_path=None, eval_mode=True, enable_inst_interactivity=True)
proc = Sam3Processor(model, device="cpu")
mark("build", t0)
print("parameters", sum(p.numel() for p in model.parameters()), "threads", torch.get_num_threads(),
      "torch", torch.__version__, flush=True)
img = Image.open(os.environ["SAM3_SHARED"] + "/images/truck.jpg").convert("RGB")
w, h = img.size
x = torch.from_numpy(np.asarray(img.resize((1008, 1008), Image.BILINEAR), dtype=np.float32) / 255.0)
x = ((x - 0.5) / 0.5).permute(2, 0, 1).unsqueeze(0).contiguous()
phrases = ["truck", "car", "wheel", "truck"]
with torch.inference_mode():
    for r in range(rounds):
        t = time.perf_counter()
        state = {"original_height": h, "original_width": w, "backbone_out": model.backbone.forward_image(x)}
        # as Sam3Processor.set_image: the interactive decoder's high-resolution projections, once per image
        sam2_out = state["backbone_out"]["sam2_backbone_out"]
        decoder = model.inst_interactive_predictor.model.sam_mask_decoder
        sam2_out["backbone_fpn"][0] = decoder.conv_s0(sam2_out["backbone_fpn"][0])
        sam2_out["backbone_fpn"][1] = decoder.conv_s1(sam2_out["backbone_fpn"][1])
        mark(f"setImage#{r}", t)
        t = time.perf_counter()
        proc.set_text_prompt(phrases[r % len(phrases)], state)
        mark(f"textPrompt#{r}", t)
        t = time.perf_counter()
        proc.set_text_prompt(phrases[r % len(phrases)], state)
        mark(f"textPromptAgain#{r}", t)
        if texts > 1:
            ms = []
            for i in range(texts - 1):
                t = time.perf_counter()
                proc.set_text_prompt(more_phrases[r * (texts - 1) + i], state)
                ms.append((time.perf_counter() - t) * 1e3)
            order = " ".join(f"{m:.0f}" for m in ms)
            ms.sort()
            print(f"texts            then {len(ms)} more: median {ms[len(ms) // 2]:.1f} ms, min {ms[0]:.1f} ms, "
                  f"max {ms[-1]:.1f} ms (in order: {order})", flush=True)
        t = time.perf_counter()
        masks, scores, _ = model.predict_inst(state, point_coords=np.array([[w * 0.5, h * 0.5]]),
                                              point_labels=np.array([1]), multimask_output=True)
        mark(f"click#{r}", t)
        if clicks > 1:
            ms = []
            for i in range(1, clicks):
                t = time.perf_counter()
                model.predict_inst(state, point_coords=np.array([[w * 0.5 + i % 7, h * 0.5]]),
                                   point_labels=np.array([1]), multimask_output=True)
                ms.append((time.perf_counter() - t) * 1e3)
            ms.sort()
            print(f"clicks           then {len(ms)} more: median {ms[len(ms) // 2]:.1f} ms, min {ms[0]:.1f} ms, "
                  f"max {ms[-1]:.1f} ms", flush=True)
