// candor's fairness in one include: group metrics (Fairlearn, AIF360) with bootstrap intervals and
// the audit report, penalties inside the autograd graph, constraints, the fine-tuning recipe, the
// reductions (ExponentiatedGradient, GridSearch) over any weighted learner, and the mitigations
// before training (reweighing, correlation remover) and after (threshold optimizer).
#pragma once

#include "fairness/base_metrics.h"
#include "fairness/bias_auc.h"
#include "fairness/bootstrap.h"
#include "fairness/constraint.h"
#include "fairness/correlation_remover.h"
#include "fairness/evaluation.h"
#include "fairness/exponentiated_gradient.h"
#include "fairness/finetune.h"
#include "fairness/grid_search.h"
#include "fairness/group_intervals.h"
#include "fairness/groups.h"
#include "fairness/metric_frame.h"
#include "fairness/named_metrics.h"
#include "fairness/penalty.h"
#include "fairness/report.h"
#include "fairness/report_text.h"
#include "fairness/reweighing.h"
#include "fairness/threshold_optimizer.h"
