// The optimizer state of a kiln training run, in the layout Keras saves and
// loads it (model.weights.h5, "optimizer/vars/N").
#ifndef KILN_TOOLS_KILN_OPTIMIZEREXPORT_H
#define KILN_TOOLS_KILN_OPTIMIZEREXPORT_H

#include "kiln/Import/KerasWriter.h"
#include "kiln/Target/CppTarget.h"

#include <string>

namespace kiln::cli {

/// Adds to `update` Keras's optimizer variables from DIR/optimizer.bin (as
/// NAME_train writes it): vars/0 the step count, vars/1 (the learning rate)
/// left as it is, then the slots of every trainable variable, in Keras's
/// order: model.trainable_variables (kiln.keras_order), grouped as the
/// optimizer's build() adds them (Adam's momentum and velocity interleaved,
/// RMSprop's lists one after another). Weights kiln gives no update keep
/// zero slots, as Keras's do until a gradient reaches them.
bool addKerasOptimizerState(const std::string &dir, const ModelInterface &model,
                            WeightsUpdate &update, std::string &error);

} // namespace kiln::cli

#endif
