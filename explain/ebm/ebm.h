// Explainable Boosting Machines: the whole public API (see each header).
#pragma once

#include "explain/ebm/binning.h"      // feature typing and bins
#include "explain/ebm/errors.h"       // EbmError
#include "explain/ebm/explanation.h"  // global and local explanations
#include "explain/ebm/fit.h"          // FitOptions, fit
#include "explain/ebm/model.h"        // Model: predict, edit
#include "explain/ebm/model_io.h"     // save/load JSON
#include "explain/ebm/plots.h"        // SVG plots
