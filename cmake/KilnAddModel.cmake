# The flags generated code is built with, everywhere (kiln compile's default
# toolchain, kiln_add_model, the kernel bench and tests). The code never reads
# errno or the FP exception flags: with errno semantics GCC keeps a branch to
# the library sqrt inside loops (the optimizers' updates); with trapping math it
# will not if-convert a select such as fast::exp's clamp without AVX-512's
# masks, so on AVX2 sigmoid, silu, tanh and gelu stay scalar. Neither flag lets
# the compiler change a value.
set(KILN_MODEL_CODE_FLAGS -fno-math-errno -fno-trapping-math)

# kiln_add_model(TARGET <target> MODEL <file.keras|file.h5>
#                [NAME <identifier>] [BATCH <n>] [THREADS <n>]
#                [INPUT_SHAPES NAME=D1x...xDk ...] [OUTPUTS LAYER ...]
#                [KILN_FLAGS <flag> ...] [TRAIN])
#
# Compiles a Keras model at build time into a static library <target>
# (with TRAIN, also train_step and the weight table: kiln compile --train). Its
# generated header <NAME>.h (namespace NAME, default <target>) is on the
# target's public include path. The model is recompiled when the model file
# or the kiln binary changes.
#
# The generated kernels pick their SIMD code from the compiler's target
# macros: build with the architecture flags you deploy with (for example
# target_compile_options(<target> PRIVATE -march=native)), or they use the
# portable code for the baseline ISA.
function(kiln_add_model)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "TRAIN" "TARGET;MODEL;NAME;BATCH;THREADS"
                        "INPUT_SHAPES;OUTPUTS;KILN_FLAGS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "kiln_add_model: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_TARGET OR NOT ARG_MODEL)
    message(FATAL_ERROR "kiln_add_model: TARGET and MODEL are required")
  endif()
  if(NOT ARG_NAME)
    string(MAKE_C_IDENTIFIER "${ARG_TARGET}" ARG_NAME)
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${model}")
    message(FATAL_ERROR "kiln_add_model(${ARG_TARGET}): model file '${model}' does not exist")
  endif()

  set(dir "${CMAKE_CURRENT_BINARY_DIR}/kiln/${ARG_TARGET}")
  set(flags --emit=cpp --name "${ARG_NAME}")
  if(ARG_BATCH)
    list(APPEND flags --batch "${ARG_BATCH}")
  endif()
  if(ARG_THREADS)
    list(APPEND flags --threads "${ARG_THREADS}")
  endif()
  foreach(shape ${ARG_INPUT_SHAPES})
    list(APPEND flags --input-shape "${shape}")
  endforeach()
  if(ARG_OUTPUTS)
    list(JOIN ARG_OUTPUTS "," outputs)
    list(APPEND flags "--outputs=${outputs}")
  endif()
  if(ARG_TRAIN)
    # train_step beside predict (the loss and optimizer from the model's
    # compile_config, or --loss/--optimizer in KILN_FLAGS).
    list(APPEND flags --train)
  endif()
  list(APPEND flags ${ARG_KILN_FLAGS})

  set(generated "${dir}/${ARG_NAME}.h" "${dir}/${ARG_NAME}.cpp" "${dir}/${ARG_NAME}.weights.bin")
  add_custom_command(
    OUTPUT ${generated}
    COMMAND kiln::kiln compile "${model}" -o "${dir}" ${flags}
    DEPENDS "${model}" kiln::kiln
    COMMENT "kiln: compiling ${ARG_MODEL} into ${ARG_TARGET}"
    VERBATIM)

  add_library(${ARG_TARGET} STATIC "${dir}/${ARG_NAME}.cpp")
  target_include_directories(${ARG_TARGET} PUBLIC "$<BUILD_INTERFACE:${dir}>")
  target_compile_features(${ARG_TARGET} PUBLIC cxx_std_17)
  # The model code needs neither exceptions nor RTTI; the assembler finds the
  # weights (.incbin) on its include path.
  target_compile_options(${ARG_TARGET} PRIVATE -fno-exceptions -fno-rtti ${KILN_MODEL_CODE_FLAGS}
                         "-Wa,-I${dir}")
  # By absolute path: the assembler would take a same-named file in its
  # working folder first.
  target_compile_definitions(${ARG_TARGET} PRIVATE
    "KILN_${ARG_NAME}_WEIGHTS_FILE=\"${dir}/${ARG_NAME}.weights.bin\"")
  set_source_files_properties("${dir}/${ARG_NAME}.cpp" PROPERTIES
    OBJECT_DEPENDS "${dir}/${ARG_NAME}.weights.bin")
  find_package(Threads REQUIRED)
  target_link_libraries(${ARG_TARGET} PUBLIC Threads::Threads m)
endfunction()
