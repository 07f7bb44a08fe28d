#include "formats/dtype.h"
