// candor's datasets in one include: CSV and ARFF files, typed tables and schemas, the built-in
// benchmarks, data sources with seeded splits, encoders, sensitive features and batches.
#pragma once

#include "datasets/arff.h"
#include "datasets/builtin.h"
#include "datasets/csv.h"
#include "datasets/encoder.h"
#include "datasets/errors.h"
#include "datasets/labels.h"
#include "datasets/loader.h"
#include "datasets/sensitive.h"
#include "datasets/source.h"
#include "datasets/split.h"
#include "datasets/table.h"
