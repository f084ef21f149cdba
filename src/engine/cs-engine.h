/* cs-engine.h: the inference engine's public headers. */
#pragma once

#include "cs-device.h"
#include "cs-graph.h"
#include "cs-half.h"
#include "cs-network.h"
#include "cs-onnx.h"
#include "cs-onnx-writer.h"
