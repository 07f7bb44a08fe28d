// Every differentiable op, for code that uses many (models, tests).
#pragma once

#include "libattn/autograd/attention.h"
#include "libattn/autograd/circular_shift.h"
#include "libattn/autograd/conv1d.h"
#include "libattn/autograd/cosine.h"
#include "libattn/autograd/cross_entropy.h"
#include "libattn/autograd/dropout.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/embedding.h"
#include "libattn/autograd/layer_norm.h"
#include "libattn/autograd/matmul.h"
#include "libattn/autograd/reduce.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/autograd/softmax.h"
#include "libattn/autograd/softplus.h"
#include "libattn/autograd/tape.h"
