/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Named D-Bus errors of org.nyx.engine1. Each comes with a message a user can
 * act on; nyxctl prints the message, scripts match the name. */

#define NYX_BUS_NAME            "org.nyx.engine1"
#define NYX_BUS_PATH            "/org/nyx/engine1"
#define NYX_BUS_IFACE_MANAGER   "org.nyx.engine1.Manager"
#define NYX_BUS_IFACE_CONTAINER "org.nyx.engine1.Container"
#define NYX_BUS_IFACE_IMAGE     "org.nyx.engine1.Image"
#define NYX_BUS_IFACE_VOLUME    "org.nyx.engine1.Volume"
#define NYX_BUS_IFACE_NETWORK   "org.nyx.engine1.Network"
#define NYX_BUS_IFACE_JOB       "org.nyx.engine1.Job"

#define NYX_ERROR_NO_SUCH_CONTAINER   "org.nyx.engine1.NoSuchContainer"
#define NYX_ERROR_NO_SUCH_IMAGE       "org.nyx.engine1.NoSuchImage"
#define NYX_ERROR_NO_SUCH_NETWORK     "org.nyx.engine1.NoSuchNetwork"
#define NYX_ERROR_NO_SUCH_VOLUME      "org.nyx.engine1.NoSuchVolume"
#define NYX_ERROR_NAME_IN_USE         "org.nyx.engine1.NameInUse"
#define NYX_ERROR_INVALID_REFERENCE   "org.nyx.engine1.InvalidReference"
#define NYX_ERROR_INVALID_ARGUMENT    "org.nyx.engine1.InvalidArgument"
#define NYX_ERROR_IN_USE              "org.nyx.engine1.InUse"
#define NYX_ERROR_NOT_RUNNING         "org.nyx.engine1.NotRunning"
#define NYX_ERROR_REGISTRY            "org.nyx.engine1.RegistryError"
#define NYX_ERROR_AUTH_REQUIRED       "org.nyx.engine1.AuthenticationRequired"
#define NYX_ERROR_CANCELLED           "org.nyx.engine1.Cancelled"
