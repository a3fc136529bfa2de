// candor's neural networks in one include: modules and layers, optimizers and schedules, the
// training loop, classifiers for tables (MLP, FT-Transformer) and their runs and checkpoints,
// scoring, GPT-2 with its tokenizer, LoRA.
#pragma once

#include "nn/attention.h"
#include "nn/classifier.h"
#include "nn/ft_transformer.h"
#include "nn/gpt2.h"
#include "nn/init.h"
#include "nn/layers.h"
#include "nn/lora.h"
#include "nn/metrics.h"
#include "nn/module.h"
#include "nn/optim.h"
#include "nn/run.h"
#include "nn/safetensors.h"
#include "nn/schedule.h"
#include "nn/scoring.h"
#include "nn/tabular.h"
#include "nn/text_data.h"
#include "nn/tokenizer.h"
#include "nn/trainer.h"
#include "nn/tunable.h"
